import type { FirebreakConfig } from '../config/schema.js';

/**
 * One parameter as people type it. The same list drives the text parser (positional order),
 * `/help`, Slack's usage hint and Discord's application command options.
 */
export interface ParamSpec {
  name: string;
  description: string;
  /** `user`: a person (Discord offers its member picker; in text, a mention such as Slack's `<@U123|alice>`). */
  type: 'string' | 'integer' | 'boolean' | 'user';
  required?: boolean;
  /** Known values from config (service names…): Discord offers them as choices. */
  choices?: (config: FirebreakConfig) => string[];
  /** Bounds of an integer: fixed, or read from config like `choices` (e.g. replica bounds of the services). */
  min?: ParamBound;
  max?: ParamBound;
  /**
   * Collects every remaining positional word: as a string[] (`true`, e.g. `k=v` pairs of /run), or
   * as one free text joined by spaces (`'text'`, e.g. a note), so it needs no quotes.
   */
  rest?: boolean | 'text';
}

/** A number, or a function of the config; undefined from the function means "no bound". */
export type ParamBound = number | ((config: FirebreakConfig) => number | undefined);

/** The bound for this config, whichever form the spec gives it in. */
export function resolveBound(bound: ParamBound | undefined, config: FirebreakConfig): number | undefined {
  return typeof bound === 'function' ? bound(config) : bound;
}

export interface SubcommandSpec {
  name: string;
  summary: string;
  params: ParamSpec[];
}

/** Raw argument values before the command's zod schema sees them. */
export type RawArgs = Record<string, string | string[] | boolean | undefined>;
