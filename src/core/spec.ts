import type { FirebreakConfig } from '../config/schema.js';
import type { CommandDescription } from './command-catalog.js';
import type { Actor, ChannelRef } from './identity.js';
import type { Outcome, PlannedStep, JsonValue } from './outcome.js';
import type { Reply } from './reply.js';
import type { CorePorts } from './services.js';
import type { TimelineKind } from './timeline.js';
import type { SecretPrompt } from './secret-prompt.js';

export { resolveBound, type ParamBound, type ParamSpec, type RawArgs, type SubcommandSpec } from './params.js';

/**
 * What a command's run or execute sees of its invocation. `P` is the ports it is given: the core's
 * own by default; a command that uses a domain room's ports is typed with the application's
 * (`AppPorts`, src/app/ports.ts) and registered with a dispatcher built with them.
 */
export interface CommandContext<P extends CorePorts = CorePorts> {
  readonly config: FirebreakConfig;
  readonly actor: Actor;
  readonly channel: ChannelRef;
  readonly invocationId: string;
  /** The incident whose own channel this runs in (every event of the invocation carries it), else null. */
  readonly incidentId: string | null;
  /** The text as typed (or reconstructed from Discord options), for the timeline and cards. */
  readonly commandText: string;
  readonly ports: P;
  /** A confirmed step's execute: aborted when shutdown interrupts it; pass it to the tools it runs so they stop. */
  readonly signal?: AbortSignal;
  /**
   * Set when the command is planned or executed as a step of a procedure (src/procedures): `run`
   * must only plan (return a PlannedStep or a refusal, never act at once), and `belowMin` lets a
   * /scale step go below replicas.min. Absent for anything typed or clicked.
   */
  readonly procedureStep?: ProcedureStepOptions;
  /** Secret params given privately with this invocation (see Invocation.secrets); empty when none. */
  readonly secrets: ReadonlyMap<string, string>;
  hasRole(role: string): boolean;
  /** Replaces the message the user sees (in place where the platform can). */
  progress(reply: Reply): Promise<void>;
  /** Adds a timeline event to this invocation, e.g. a progress line of a long rollout. */
  record(kind: TimelineKind, fields?: { output?: string; argv?: string[]; detail?: { [key: string]: JsonValue } }): Promise<void>;
}

export interface ProcedureStepOptions {
  belowMin: boolean;
}

/**
 * `run` and `execute` are function-typed fields, not methods, so the ports they were written
 * against are checked strictly: a command that needs `AppPorts` cannot land in a registry run
 * with fewer.
 */
export interface CommandSpec<A = unknown, P extends CorePorts = CorePorts> extends CommandDescription<A> {
  run: (ctx: CommandContext<P>, args: A) => Promise<Outcome>;
  /** Runs a step that `run` planned and a person confirmed. Called under the step's lease. */
  execute?: (ctx: CommandContext<P>, step: PlannedStep) => Promise<Outcome>;
  /**
   * The service a mutating invocation acts on, so it counts for the open incident about that
   * service (see attribution.ts). Default: its `service` argument; null when it acts on none
   * (a read-only `/run` action).
   */
  serviceOf?: (args: A, config: FirebreakConfig) => string | null;
  /**
   * The secrets this invocation needs asked for privately before it is dispatched (a modal), or
   * null. Pure and quick: platforms call it within their 3 s, before acknowledging.
   */
  secretPrompt?: (args: A, config: FirebreakConfig, commandText: string) => SecretPrompt | null;
}

/** Erases the args type so specs of different commands share one registry. */
export type AnyCommandSpec<P extends CorePorts = CorePorts> = CommandSpec<any, P>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A command that uses only the core's ports. One that needs a domain room's uses src/app/command.ts. */
export function defineCommand<A>(spec: CommandSpec<A>): CommandSpec<A> {
  return spec;
}
