/**
 * Diagnosed on arrival: the port of the store's diagnosis claims (migration 180), and what decides
 * whether a new group is diagnosed now, later, or marked "not diagnosed: storm". The worker that
 * runs the procedures is src/scheduler/alert-diagnoser.ts.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { DiagnosisState } from './model.js';

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
  route: number;
  labels: Record<string, string>;
}

export interface DiagnosisStore {
  /** Firing groups on these routes, first fired at or after `since`, with nothing decided yet, oldest first. */
  undecided(routes: readonly number[], since: Date, limit: number): Promise<UndecidedGroup[]>;
  /** Decides under the storm limit (see DiagnosisDecision); a decision marks the card dirty. */
  decide(groupId: string, procedure: string, limits: DiagnosisLimits, holder: string, platforms: readonly string[]): Promise<DiagnosisDecision>;
  /**
   * A person asked (the Diagnose button): claims a group passed over (storm, skipped) or never
   * decided, whatever the storm limit; false when it is running or ran already.
   */
  claimByPerson(groupId: string, procedure: string, holder: string, platforms: readonly string[]): Promise<boolean>;
  /** The end of a run (done, failed) or a decision not to run (skipped), with a note for the card. */
  settle(groupId: string, procedure: string, state: Exclude<DiagnosisState, 'storm'>, note: string | null, runId: string | null, platforms: readonly string[]): Promise<void>;
}

/** The message key of a group's diagnosis report (threaded under its card). */
export const diagnosisMessageKey = (groupId: string) => `alert-diagnosis:${groupId}`;

/** The routes (by index) that diagnose, with their procedures. */
export function diagnosingRoutes(config: FirebreakConfig): Map<number, string> {
  const out = new Map<number, string>();
  config.alerts.routes.forEach((r, i) => {
    if (r.diagnose !== undefined) out.set(i, r.diagnose);
  });
  return out;
}
