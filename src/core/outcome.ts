import type { Placement } from './placement.js';
import type { Reply } from './reply.js';
import type { Approval } from './approval.js';

/** What ran outside the process, recorded verbatim (redacted) in the timeline. */
export interface Execution {
  argv?: string[];
  exitCode?: number | null;
  durationMs?: number;
  output?: string;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A mutating step, planned but not yet run. The dispatcher turns it into a confirmation card,
 * stores it, and on Confirm calls the command's `execute` with it under a lease.
 */
export interface PlannedStep {
  /** Which of the command's operations to execute, e.g. "rollback". */
  action: string;
  /** Everything `execute` needs, already validated. Stored as JSON until confirmed. */
  payload: { [key: string]: JsonValue };
  /** The question on the card: "Roll back api from revision 14 to 13?" */
  title: string;
  fields?: { label: string; value: string }[];
  /** The exact command that will run, shown on the card. */
  argv?: string[];
  /** One mutating action per lease key at a time, e.g. "service:api". */
  lease: string;
  /** Role required to request and to confirm. */
  role: string;
  /**
   * Absent: `one` (the requester or anyone with the role confirms); "second-person" for restores.
   * "self" is the older name of `one` (stored plans, callers). See Approval.
   */
  approval?: Exclude<Approval, 'none'> | 'self';
  /** A warning or remark the person confirming should read. */
  note?: string;
  /** What the Confirm button says. */
  confirmLabel?: string;
}

export type Outcome =
  /** placement: where the reply goes (default: replace, or private when ephemeral); sourceUpdate: the clicked card's new face. */
  /** incidentId: the incident it acted on, when the channel did not say (a declare in #incidents, a Join click): its events carry it. */
  /** recordedAs: the timeline's outcome when it says more than ok/failed ("interrupted": cut off by shutdown, outcome unknown). */
  /** detail: more for the outcome's timeline event (e.g. readOnly: a read-only action, never taken as the mitigation). */
  | { status: 'ok' | 'failed'; reply: Reply; execution?: Execution; placement?: Placement; sourceUpdate?: Reply; incidentId?: string | null; recordedAs?: 'interrupted'; detail?: { [key: string]: JsonValue } }
  | { status: 'invalid' | 'denied'; reply: Reply }
  | { status: 'confirm'; plan: PlannedStep };

export type FinalStatus = 'ok' | 'failed' | 'invalid' | 'denied' | 'pending' | 'cancelled';

/** The CLI's promise: 0 done (or waiting for confirmation), 1 ran and failed, 2 bad input or denied. */
export function exitCodeFor(status: FinalStatus): 0 | 1 | 2 {
  if (status === 'ok' || status === 'pending' || status === 'cancelled') return 0;
  if (status === 'failed') return 1;
  return 2;
}
