import type { z } from 'zod';
import type { ParamSpec, SubcommandSpec } from './params.js';

/**
 * A command as the parser, `/help`, Discord's application commands and the delivery claims read it:
 * everything but what it runs. `CommandSpec` (spec.ts) adds `run` and `execute`.
 */
export interface CommandDescription<A = unknown> {
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
  /** false: changes things at once, with no confirmation card (/incident); what /help says. */
  confirms?: false;
}

/** The registered commands, read-only: what the core's ports carry (the registry implements it). */
export interface CommandCatalog {
  get(name: string): CommandDescription | undefined;
  list(): CommandDescription[];
  names(): string[];
}
