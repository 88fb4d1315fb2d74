import type { z } from 'zod';
import type { FirebreakConfig } from '../config/schema.js';
import type { ButtonCatalog, CommandButton } from './button-catalog.js';
import type { DispatchResult, Invocation, ReplySink } from './invocation.js';
import type { FinishedOutcome } from './invocation-recorder.js';
import type { JsonValue } from './outcome.js';
import type { Reply } from './reply.js';
import type { CorePorts } from './services.js';

export type { ButtonCatalog, ButtonKind, CommandButton } from './button-catalog.js';

/** One press, as a handler sees it: it got here only past the button's declared rules. */
export interface ButtonPress<P> {
  invocationId: string;
  inv: Invocation;
  actionId: string;
  /** The action id after `prefix:`, as the platform sent it. */
  arg: string;
  /** `arg` as the button's payload schema parsed it. */
  payload: P;
  sink: ReplySink;
}

/** What Confirm and Cancel ask of the confirmation flow (confirmation-flow.ts). */
export interface ConfirmationDecisions {
  confirm(invocationId: string, inv: Invocation, id: string, sink: ReplySink): Promise<DispatchResult>;
  cancel(invocationId: string, inv: Invocation, id: string): Promise<DispatchResult>;
}

/**
 * What a handler may use besides the press. Recording is the dispatcher's, not the handler's. `P`
 * is the ports the handler needs (a domain room's own, e.g. `AlertsPorts`); the dispatcher's are a
 * superset of every registered handler's.
 */
export interface ButtonEnv<P extends CorePorts = CorePorts> {
  readonly config: FirebreakConfig;
  readonly ports: P;
  readonly confirmations: ConfirmationDecisions;
  now(): Date;
}

/** How a press is written on the timeline: the same words whether it was refused or handled. */
export interface ButtonRecord {
  command: string | null;
  text: string;
  detail?: { [key: string]: JsonValue };
}

/** What a handler decided. The dispatcher records it as the press's one timeline row. */
export interface ButtonOutcome extends FinishedOutcome {
  /** Added to the record's own detail. */
  detail?: { [key: string]: JsonValue };
}

/**
 * The rules the dispatcher enforces before a handler runs: workspace and allowed channels unless
 * `outsideAllowedChannels`, then `role` (when set), then the payload schema. A refusal is one
 * private sentence and one recorded row (command.denied / command.invalid), like a command's.
 */
export interface ButtonRules<P> {
  readonly prefix: string;
  /** The metric label of its presses: fixed, so arbitrary action ids cannot mint series. */
  readonly metricLabel: string;
  /** The button as refusals name it: "Not allowed: Silence", "Acknowledge is not allowed in #random". */
  readonly name: string;
  readonly role?: string;
  /** True for buttons whose own checks stand in for the channel rule (a confirmation card's). */
  readonly outsideAllowedChannels: boolean;
  /** Parses the text after `prefix:`; a failure is answered with `malformed`. */
  readonly payload: z.ZodType<P, string>;
  /** The sentence for a payload the schema refuses (a forged or outdated button). */
  malformed?(arg: string): Reply;
  /** Its timeline row; `payload` is absent when the press was refused before the schema parsed it. */
  record?(arg: string, payload?: P): ButtonRecord;
}

/** A button handled in one step whose outcome the dispatcher records. `E`: the ports it needs. */
export interface DeclaredButton<P = unknown, E extends CorePorts = CorePorts> extends ButtonRules<P> {
  readonly kind: 'handler';
  /** A field, not a method, so `E` is checked strictly where the button is registered. */
  readonly handle: (press: ButtonPress<P>, env: ButtonEnv<E>) => Promise<ButtonOutcome>;
}

/**
 * A button whose outcome its flow records itself, in the same transaction as what it decides
 * (Confirm and Cancel: the confirmation's decision and its timeline row are one write).
 */
export interface SelfRecordingButton<P = unknown, E extends CorePorts = CorePorts> extends ButtonRules<P> {
  readonly kind: 'self-recording';
  readonly handle: (press: ButtonPress<P>, env: ButtonEnv<E>) => Promise<DispatchResult>;
}

export type RuledButton<E extends CorePorts = CorePorts> = DeclaredButton<unknown, E> | SelfRecordingButton<unknown, E>;
export type ButtonHandler<E extends CorePorts = CorePorts> = CommandButton | RuledButton<E>;

/**
 * Declares a button, typing `press.payload` from its schema (the registry holds it untyped) and
 * `env.ports` as the ports it names (`E`, the core's by default).
 */
export function defineButton<P, E extends CorePorts = CorePorts>(b: DeclaredButton<P, E>): DeclaredButton<unknown, E>;
export function defineButton<P, E extends CorePorts = CorePorts>(b: SelfRecordingButton<P, E>): SelfRecordingButton<unknown, E>;
export function defineButton<P, E extends CorePorts = CorePorts>(b: DeclaredButton<P, E> | SelfRecordingButton<P, E>): RuledButton<E> {
  return b as RuledButton<E>;
}

/**
 * Action-id prefix → handler. A new kind of button is one file exporting a handler, listed in its
 * room's buttons/index.ts. `E` is the ports the dispatcher gives every handler (see PipelinePorts).
 */
export class ButtonRegistry<E extends CorePorts = CorePorts> implements ButtonCatalog {
  private readonly byPrefix = new Map<string, ButtonHandler<E>>();

  constructor(handlers: readonly ButtonHandler<E>[]) {
    for (const h of handlers) {
      if (!/^[a-z][a-z0-9-]*$/.test(h.prefix)) throw new Error(`button prefix "${h.prefix}" must be lowercase letters, digits and dashes`);
      if (this.byPrefix.has(h.prefix)) throw new Error(`button prefix "${h.prefix}:" is registered twice`);
      this.byPrefix.set(h.prefix, h);
    }
  }

  /** The handler for an action id and the argument after its prefix; null for an unknown prefix. */
  resolve(actionId: string): { handler: ButtonHandler<E>; arg: string } | null {
    const sep = actionId.indexOf(':');
    const prefix = sep < 0 ? actionId : actionId.slice(0, sep);
    const handler = this.byPrefix.get(prefix);
    return handler ? { handler, arg: sep < 0 ? '' : actionId.slice(sep + 1) } : null;
  }

  prefixes(): string[] {
    return [...this.byPrefix.keys()];
  }
}
