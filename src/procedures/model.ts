import type { ProcedureStepConfig, ProcedureStepKind } from '../config/procedures-schema.js';
import type { Approval } from '../core/approval.js';
import type { SealedSecrets } from '../core/held-secrets.js';
import type { Actor, ChannelRef } from '../core/identity.js';

/** One step's state, as the card shows it. */
export type StepState = 'pending' | 'running' | 'ok' | 'failed' | 'skipped' | 'waiting' | 'interrupted';

/** A step of a run: what the config said, what was planned from it, and how it went. */
export interface RunStep {
  kind: ProcedureStepKind;
  /** What the card calls it: the step's name, or its command, check or question. */
  label: string;
  config: ProcedureStepConfig;
  /** run: the command text with the params filled in, e.g. "/scale litellm 0". */
  text?: string;
  /** run: the exact argv its plan will run, when the command says. */
  argv?: string[];
  /** run: the lease key of the command's plan ("service:litellm"); the run holds it throughout. */
  lease?: string;
  /** run: the role and approval its plan needs. */
  role?: string;
  approval?: Approval | 'self';
  /** run: the procedure's secret params this step's command asks for (same name), given to it privately. */
  secrets?: string[];
  state: StepState;
  attempts: number;
  durationMs?: number;
  /** A short excerpt of what it said (output, the reply's title, who pressed). */
  excerpt?: string;
  /** approve / manual: who pressed, and when (ISO). */
  by?: string;
  at?: string;
}

export type RunStatus =
  /** Card shown, not confirmed yet. */
  | 'pending'
  /** A process is running its steps. */
  | 'running'
  /** Stopped at an approve or manual step until someone presses. */
  | 'waiting'
  /** A step failed (its on_failure steps ran); Retry / Skip / Abort. */
  | 'failed'
  /** The process running a step died or shut down: that step's outcome is unknown; Retry / Skip / Abort. */
  | 'interrupted'
  | 'done'
  | 'aborted';

export interface ProcedureRun {
  id: string;
  procedure: string;
  params: Record<string, string>;
  steps: RunStep[];
  onFailure: RunStep[];
  status: RunStatus;
  /** Index in `steps` of the step running, waiting or failed; steps.length when all are through. */
  current: number;
  /** Every lease key its steps use, held for the whole run. */
  leases: string[];
  requestedBy: Actor;
  confirmedBy: Actor | null;
  channel: ChannelRef;
  invocationId: string;
  incidentId: string | null;
  /**
   * Set by the sweep that marked the run interrupted: the message key of the card still to be
   * posted (its old card lives in a message only the dead process knew). Cleared once posted.
   */
  repostCard?: string;
  /**
   * Started by the system, not a person (a schedule): who or what triggered it. Its steps are all
   * read-only and run without the role checks a person's run has; the config scheduled them.
   */
  unattended?: { trigger: string };
  /**
   * The secret params, encrypted; the key is held in coordination while the run may need it (pending,
   * waiting at a gate, failed) and never stored here (src/core/held-secrets.ts).
   */
  sealed?: SealedSecrets;
  /** Bumped by every save: a press decides only against the version it read. */
  version: number;
}

/** Active runs hold leases and take presses; finished ones are history. */
export function isFinished(run: Pick<ProcedureRun, 'status'>): boolean {
  return run.status === 'done' || run.status === 'aborted';
}
