/**
 * Diagnosed on arrival: the port of the store's diagnosis claims (migration 180), and what decides
 * whether a new group is diagnosed now, later, or marked "not diagnosed: storm". The worker that
 * runs the procedures is src/scheduler/alert-diagnoser.ts.
 */
import type { FirebreakConfig } from '../config/schema.js';

export interface DiagnosisLimits {
  maxConcurrent: number;
  perMinute: number;
}

/**
 * The store's decision for one group, made under a table lock so replicas agree:
 * `run`: claimed (state running) for this caller; `storm`: this minute's budget is spent, marked so
 * on the card; `wait`: max_concurrent diagnoses are running, try again soon; `taken`: already decided.
 */
export type DiagnosisDecision = 'run' | 'storm' | 'wait' | 'taken';

export interface UndecidedGroup {
  id: string;
  /** Which firing of the group (1 for the first; a refire is the next): each firing is diagnosed once. */
  episode: number;
  route: number;
  labels: Record<string, string>;
}

/** Who holds a running diagnosis: the group, its firing, and the holder that claimed it. */
export interface DiagnosisClaim {
  groupId: string;
  episode: number;
  holder: string;
}

/** A diagnosis marked interrupted by the sweep: its replica stopped saying it was alive. */
export interface InterruptedDiagnosis {
  groupId: string;
  episode: number;
  procedure: string;
  /** The procedure run, when it had started one (its steps so far are on its card). */
  runId: string | null;
  /** When its replica last said it was alive. */
  lastHeartbeat: Date;
}

export interface DiagnosisStore {
  /**
   * Firing groups on these routes, first fired (this firing) at or after `since`, whose current
   * firing has nothing decided yet, oldest first. A group whose previous firing's diagnosis is still
   * running waits for it to end (or be swept as interrupted).
   */
  undecided(routes: readonly number[], since: Date, limit: number): Promise<UndecidedGroup[]>;
  /** Decides under the storm limit (see DiagnosisDecision); a decision marks the card dirty. `taken` also when the group fired again since. */
  decide(groupId: string, episode: number, procedure: string, limits: DiagnosisLimits, holder: string, platforms: readonly string[]): Promise<DiagnosisDecision>;
  /**
   * A person asked (the Diagnose button, /diagnose --group): claims the group's current firing when
   * its diagnosis was passed over (storm, skipped), interrupted, or never decided, whatever the storm
   * limit. Returns the firing claimed; null when it is running or ran already.
   */
  claimByPerson(groupId: string, procedure: string, holder: string, platforms: readonly string[]): Promise<number | null>;
  /** The holder is alive (every HEARTBEAT_MS while it runs), with its run once it has one; false when the claim is no longer its own. */
  heartbeat(claim: DiagnosisClaim, runId: string | null): Promise<boolean>;
  /**
   * The end of a run (done, failed) or a decision not to run (skipped), with a note for the card.
   * Changes nothing when someone else claimed the group's diagnosis since (a person's Diagnose after
   * an interruption); an interrupted one that finished after all is settled as it ended.
   */
  settle(claim: DiagnosisClaim, procedure: string, state: 'done' | 'failed' | 'skipped', note: string | null, runId: string | null, platforms: readonly string[]): Promise<boolean>;
  /** Marks running diagnoses with no heartbeat for `staleMs` interrupted (each by one caller), their cards dirty and their reports owed. */
  interruptStale(staleMs: number, platforms: readonly string[]): Promise<InterruptedDiagnosis[]>;
  /** Interrupted diagnoses whose thread report does not say so yet. */
  reportsOwed(limit: number): Promise<InterruptedDiagnosis[]>;
  /** Its thread report says it was interrupted. */
  reportShown(groupId: string, episode: number): Promise<void>;
}

/** A running diagnosis renews its heartbeat this often… */
export const DIAGNOSIS_HEARTBEAT_MS = 10_000;
/** …and is swept as interrupted when it has not for this long (its replica died mid-run). */
export const DIAGNOSIS_STALE_MS = 60_000;
/** How often every replica sweeps for interrupted diagnoses (src/scheduler/diagnosis-sweeper.ts). */
export const DIAGNOSIS_SWEEP_MS = 15_000;

/** What the card and the thread say of a diagnosis whose replica died mid-run. */
export const INTERRUPTED_DIAGNOSIS_TEXT = 'interrupted: the replica running it stopped';

/**
 * The message key of the report of a group's diagnosis (threaded under its card), one per firing:
 * a refired group's report is a new message, the old one stays with the firing it was about. The
 * first firing keeps the key it always had.
 */
export const diagnosisMessageKey = (groupId: string, episode = 1) => (episode <= 1 ? `alert-diagnosis:${groupId}` : `alert-diagnosis:${groupId}:${episode}`);

/** The routes (by index) that diagnose, with their procedures. */
export function diagnosingRoutes(config: FirebreakConfig): Map<number, string> {
  const out = new Map<number, string>();
  config.alerts.routes.forEach((r, i) => {
    if (r.diagnose !== undefined) out.set(i, r.diagnose);
  });
  return out;
}
