import { keepLeaseAlive, releaseLease } from '../core/lease-keeper.js';
import type { LeaseInfo, LeaseRepository, Logger } from '../core/ports.js';
import type { ProcedureRun } from './model.js';

/**
 * While this process runs steps: renewed every third of it (10 s). A dead process's run is seen by
 * the sweep every replica runs (RUN_SWEEP_MS) at most this long after it died, so within a minute
 * its card asks Retry / Skip / Abort and its services are free.
 */
export const RUN_LEASE_TTL_MS = 30_000;

/** How often every replica looks for runs whose process is gone (src/scheduler/procedure-run-sweeper.ts). */
export const RUN_SWEEP_MS = 15_000;

/**
 * The run's own key besides its services': held by whichever process runs its steps, from before it
 * is saved as running until it stops, so a running run nobody holds is one whose process is gone.
 */
export const runKey = (runId: string) => `procedure-run:${runId}`;
const keysOf = (run: ProcedureRun) => [runKey(run.id), ...run.leases];

const holder = (run: ProcedureRun) => ({ id: run.id, actorName: run.requestedBy.name, description: `procedure ${run.procedure}` });

/**
 * The leases of every service the run's steps touch, taken together for the whole run (the step
 * runner takes one per step; a procedure holds several from its first step to its last). Held by
 * the run's id, so any replica continuing the run holds them as the same holder. All or none.
 */
export async function holdRunLeases(leases: LeaseRepository, run: ProcedureRun, ttlMs = RUN_LEASE_TTL_MS): Promise<{ held: true } | { held: false; heldBy: LeaseInfo }> {
  const taken: string[] = [];
  for (const key of keysOf(run)) {
    const got = await leases.acquire(key, holder(run), ttlMs);
    if (!got.acquired && !(got.heldBy.id === run.id && (await leases.renew(key, run.id, ttlMs)))) {
      for (const k of taken) await leases.release(k, run.id);
      return { held: false, heldBy: got.heldBy };
    }
    taken.push(key);
  }
  return { held: true };
}

/** Renews every lease of the run while its steps run here; returns the stop function. */
export function keepRunLeasesAlive(leases: LeaseRepository, run: ProcedureRun, logger: Logger): () => void {
  const stops = keysOf(run).map((key) => keepLeaseAlive(leases, { key, holderId: run.id, ttlMs: RUN_LEASE_TTL_MS }, logger));
  return () => stops.forEach((s) => s());
}

/** Waiting for a person: the services stay held for as long as a confirmation would wait. */
export async function extendRunLeases(leases: LeaseRepository, run: ProcedureRun, ttlMs: number): Promise<void> {
  for (const key of keysOf(run)) await leases.renew(key, run.id, ttlMs);
}

export async function releaseRunLeases(leases: LeaseRepository, run: ProcedureRun, logger: Logger): Promise<void> {
  for (const key of keysOf(run)) await releaseLease(leases, { key, holderId: run.id, ttlMs: RUN_LEASE_TTL_MS }, logger);
}
