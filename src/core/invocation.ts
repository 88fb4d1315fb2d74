import type { Actor, ChannelRef } from './identity.js';
import type { FinalStatus } from './outcome.js';
import type { Placement } from './placement.js';
import type { Reply } from './reply.js';
import type { RawArgs } from './params.js';

export type InvocationInput =
  | { kind: 'text'; text: string }
  /** Structured options, as Discord sends them. */
  | { kind: 'options'; command: string; args: RawArgs }
  /** A button click: the actionId of a ReplyButton. */
  | { kind: 'action'; actionId: string };

export interface Invocation {
  actor: Actor;
  channel: ChannelRef;
  input: InvocationInput;
  /** `firebreak run --yes`: confirm at once where this user may confirm alone. */
  autoConfirm?: boolean;
  /** The incident it counts for; left out, the dispatcher decides (docs/incidents.md, "Which incident work counts for"). */
  incidentId?: string | null;
  /**
   * An incident the person entered by name (`firebreak run --incident INC-7`, the console's
   * `/incident use`): it wins over every other rule; the dispatcher refuses one that does not exist.
   */
  enteredIncidentId?: string;
  /** The service the request acts on (attribution.ts serviceOf), set by the dispatcher; recorded for /timeline SERVICE. */
  service?: string | null;
}

export interface ReplySink {
  /** Shows an intermediate state (running…, rollout progress). Platforms may coalesce these. */
  progress(reply: Reply): Promise<void>;
}

export interface DispatchResult {
  invocationId: string;
  status: FinalStatus;
  reply: Reply;
  /** Where `reply` goes; every platform honours it (see placement.ts). */
  placement: Placement;
  /** What the clicked message becomes for everyone, while `reply` goes where placed. */
  sourceUpdate?: Reply;
}

/** What a platform hands its invocations to: the Dispatcher, whatever ports it was built with. */
export interface InvocationDispatcher {
  dispatch(inv: Invocation, sink?: ReplySink): Promise<DispatchResult>;
}

export const noSink: ReplySink = { progress: async () => {} };
