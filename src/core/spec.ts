import type { z } from 'zod';
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor, ChannelRef } from './identity.js';
import type { Outcome, PlannedStep, JsonValue } from './outcome.js';
import type { Reply } from './reply.js';
import type { TimelineKind } from './timeline.js';
import type { Ports } from './services.js';

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

export interface CommandContext {
  readonly config: FirebreakConfig;
  readonly actor: Actor;
  readonly channel: ChannelRef;
  readonly invocationId: string;
  /** The incident whose own channel this runs in (every event of the invocation carries it), else null. */
  readonly incidentId: string | null;
  /** The text as typed (or reconstructed from Discord options), for the timeline and cards. */
  readonly commandText: string;
  readonly ports: Ports;
  /** A confirmed step's execute: aborted when shutdown interrupts it; pass it to the tools it runs so they stop. */
  readonly signal?: AbortSignal;
  hasRole(role: string): boolean;
  /** Replaces the message the user sees (in place where the platform can). */
  progress(reply: Reply): Promise<void>;
  /** Adds a timeline event to this invocation, e.g. a progress line of a long rollout. */
  record(kind: TimelineKind, fields?: { output?: string; argv?: string[]; detail?: { [key: string]: JsonValue } }): Promise<void>;
}

export interface CommandSpec<A = unknown> {
  name: string;
  summary: string;
  /** e.g. "/scale SERVICE REPLICAS" */
  usage: string;
  /** Set when the first word selects an operation (`/backup now|list|restore`). */
  subcommands?: SubcommandSpec[];
  params: ParamSpec[];
  /** Validates the raw args built from params (with `subcommand` when subcommands are set). */
  args: z.ZodType<A>;
  /** Role needed to run the command at all; undefined means anyone in an allowed channel. */
  role?: string;
  /** Changes something. Mutating steps go through confirmation and a lease (see PlannedStep). */
  mutating: boolean;
  run(ctx: CommandContext, args: A): Promise<Outcome>;
  /** Runs a step that `run` planned and a person confirmed. Called under the step's lease. */
  execute?(ctx: CommandContext, step: PlannedStep): Promise<Outcome>;
}

/** Erases the args type so specs of different commands share one registry. */
export type AnyCommandSpec = CommandSpec<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}
