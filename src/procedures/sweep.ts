import type { Logger } from '../core/ports.js';
import type { ProcedureRunStore } from './ports.js';
import type { LeaseRepository } from '../core/ports.js';
import { runKey } from './run-leases.js';

/**
 * At start-up: a run saved as running whose run lease nobody holds (it is renewed while a process
 * runs its steps, and expires a minute after that process died) was running on a process that is gone. Its step's outcome is unknown; the run is marked interrupted, and its
 * card's buttons (Retry step / Skip step / Abort) decide. Returns the ids marked.
 */
export async function markInterruptedRuns(deps: { procedureRuns: ProcedureRunStore; leases: LeaseRepository; logger: Logger }): Promise<string[]> {
  const marked: string[] = [];
  for (const run of await deps.procedureRuns.withStatus(['running'])) {
    if (await deps.leases.current(runKey(run.id))) continue;
    const steps = run.steps.map((s, i) => (i === run.current && s.state === 'running' ? { ...s, state: 'interrupted' as const, excerpt: 'interrupted — outcome unknown: its Firebreak process stopped while it ran' } : s));
    if (await deps.procedureRuns.save({ ...run, status: 'interrupted', steps })) {
      marked.push(run.id);
      deps.logger.warn({ run: run.id, procedure: run.procedure }, `procedure ${run.procedure} (run ${run.id}) was running on a process that stopped: marked interrupted, its card asks Retry / Skip / Abort`);
    }
  }
  return marked;
}
