/**
 * Running one backup, then retention: shared by /backup now and the scheduler, so a manual
 * and a scheduled backup of the same target take the same lease and write the same records.
 * Depends only on ports: the runner does the pg_dump/S3 work, the repository the bookkeeping.
 */
import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor } from '../core/identity.js';
import type { Refusal } from '../core/authorize.js';
import type { LeaseInfo } from '../core/ports.js';
import type { BackupProgress, BackupRecord, BackupRunner, BackupRunResult, RunningBackupJob } from './backup-port.js';
import type { BackupsPorts } from './ports.js';
import { applyRetention } from './backup-retention.js';
import { backupLeaseKey, configuredTarget, newBackupId } from './backup-targets.js';

export type BackupJobOutcome =
  | { kind: 'done'; record: BackupRecord; result: BackupRunResult; expired: BackupRecord[]; retentionProblems: string[] }
  | { kind: 'busy'; heldBy: LeaseInfo }
  /** The person who asked lacks the role; nothing was leased, run or recorded. */
  | { kind: 'refused'; refusal: Refusal }
  /** A scheduled slot another replica already recorded. */
  | { kind: 'slot-taken' }
  /** Shutdown's grace ran out while it ran: it was stopped part-way; `record` when it was marked failed in time. */
  | { kind: 'interrupted'; record: BackupRecord | null; message: string }
  /** This process is shutting down: nothing was started. */
  | { kind: 'stopping'; message: string }
  | { kind: 'unavailable'; message: string };

/**
 * How long a backup lease lives without renewal. The job renews it every third of this while it
 * runs, so a long upload never outlives its lease, and a crashed process frees the target soon.
 */
export const BACKUP_LEASE_TTL_MS = 120_000;

type BackupRequest = Parameters<BackupRunner['backup']>[0];

export async function runBackupJob(
  config: FirebreakConfig,
  ports: BackupsPorts,
  req: {
    target: string;
    trigger: string;
    requestedBy: string;
    /** Who the timeline names for retention deletions; defaults to requestedBy. */
    actor?: Actor;
    invocationId?: string;
    onProgress?: (p: BackupProgress) => void;
    now?: Date;
    /** Tests shorten it to show the lease is renewed. */
    leaseTtlMs?: number;
    /**
     * A person asked (/backup now): the role `actor` needs, checked by the step runner before the
     * lease, and `what` the refusal names. Absent for the scheduler: the system's own jobs have no role.
     */
    authority?: { role: string; what: string };
    /** Called once the role check passed, before the lease is taken. */
    onAuthorized?: () => Promise<void>;
    /**
     * The caller already holds the target's lease (a confirmed plan, a procedure run holding
     * `backup:TARGET` for all its steps): the job then runs under a lease of its own id only.
     */
    leaseHeld?: boolean;
  },
): Promise<BackupJobOutcome> {
  const backups = ports.backups;
  const target = configuredTarget(config, req.target);
  const destination = config.backups.destination;
  if (!backups) return { kind: 'unavailable', message: 'Backups are not available in this Firebreak process (no backup runner is wired). Nothing was run.' };
  if (!target || !destination) return { kind: 'unavailable', message: `There is no backup target "${req.target}" with a destination in the config. Nothing was run.` };
  const jobs = backups.jobs;
  const stoppingMessage = `Firebreak is shutting down, so the backup of ${req.target} was not started. Nothing was run.`;
  if (jobs.stopping) return { kind: 'stopping', message: stoppingMessage };

  const id = newBackupId();
  const key = req.leaseHeld ? `backup-job:${id}` : backupLeaseKey(req.target);
  const ttl = req.leaseTtlMs ?? BACKUP_LEASE_TTL_MS;
  const controller = new AbortController();
  const job: RunningBackupJob = { id, target: req.target, startedAt: performance.now(), controller, done: Promise.resolve() };
  const work = async (): Promise<BackupJobOutcome> => {
    const location = backups.runner.locationFor(destination, req.target, target, id, req.now ?? new Date());
    const record = await backups.records.start({ id, target: req.target, trigger: req.trigger, requestedBy: req.requestedBy, location });
    if (!record) return { kind: 'slot-taken' };
    let result: BackupRunResult;
    try {
      const request: BackupRequest = { target, destination, location, compressionLevel: config.backups.compression_level, onProgress: req.onProgress, signal: controller.signal };
      result = await backups.runner.backup(request);
    } catch (err) {
      result = { ok: false, sizeBytes: 0, sha256: '', durationMs: 0, argv: backups.runner.describe(target), exitCode: null, stderr: '', problem: (err as Error).message };
    }
    // An object no complete record points at would never be listed, restored or expired.
    const discard = (why: string): Promise<Pick<BackupRunResult, 'problem' | 'leftBehind'>> =>
      backups.runner.remove(destination, location).then(
        () => ({ problem: why }),
        (err: unknown) => {
          ports.logger.warn({ err: String(err), location }, 'could not remove the object of a backup that does not count');
          return { problem: `${why}; its object could not be removed (${location})`, leftBehind: true };
        },
      );
    if (result.ok && controller.signal.aborted) {
      result = { ...result, ok: false, ...(await discard('it was stopped (shutdown, or its lease was lost) as it finished')) };
    }
    if (result.ok && !(await backups.records.complete(id, { sizeBytes: result.sizeBytes, sha256: result.sha256, durationMs: result.durationMs, ...(result.rowCounts ? { rowCounts: result.rowCounts } : {}) }))) {
      // Marked failed meanwhile: by shutdown, or by another replica's start-up sweep.
      result = { ...result, ok: false, ...(await discard('it finished after it had already been marked failed (Firebreak was shutting down, or another replica swept it)')) };
    } else if (!result.ok) {
      const problem = ports.redactor.redact(result.problem ?? 'failed');
      await backups.records.fail(id, problem, result.durationMs);
      ports.logger.error({ target: req.target, backup: id, trigger: req.trigger, location }, `backup ${id} of ${req.target} failed: ${problem}`);
    }
    const done = (await backups.records.get(id)) ?? record;
    // Retention after a good backup (while backups fail, the old ones are all there is), and under
    // this lease: a restore holds the same lease, so an object is never deleted while it downloads.
    if (!result.ok) return { kind: 'done', record: done, result, expired: [], retentionProblems: [] };
    const actor = req.actor ?? { platform: 'system', id: req.requestedBy, name: req.requestedBy };
    const invocationId = req.invocationId ?? randomUUID();
    const kept = await applyRetention(config, ports, req.target, (r) => ({
      invocationId,
      kind: 'backup.expired',
      actor,
      command: 'backup',
      text: `deleted ${r.id} of ${req.target} (older than ${config.backups.retention_days} days)`,
      outcome: 'ok',
      detail: { backup: r.id, location: r.location ?? '' },
    }));
    if (kept.problems.length > 0) ports.logger.warn({ target: req.target, problems: kept.problems }, `retention of ${req.target} could not delete some backups`);
    return { kind: 'done', record: done, result, expired: kept.deleted, retentionProblems: kept.problems };
  };
  const markStopped = async (durationMs: number): Promise<BackupRecord | null> => {
    try {
      // Only a running row changes, so a failure the job recorded meanwhile keeps its own reason.
      await backups.records.fail(id, 'Firebreak shut down while this backup was running and it did not stop in time; it is not a backup.', durationMs);
      return await backups.records.get(id);
    } catch (err) {
      ports.logger.error({ backup: id, target: req.target, err: ports.redactor.redact(String(err)) }, `could not mark backup ${id} of ${req.target} failed after shutdown interrupted it; the start-up sweep will`);
      return null;
    }
  };
  // A step like any other (core's step runner): the target's lease, renewed while it runs, and in
  // view of graceful shutdown, which interrupts it after the grace. A lost lease means someone else
  // may hold the target (a restore): stop rather than write or expire beside it.
  const whole = (async (): Promise<BackupJobOutcome> => {
    const run = await ports.steps.run<BackupJobOutcome, BackupJobOutcome>({
      id,
      plan: { title: `Backup of ${req.target}`, lease: key, approval: 'none', ...(req.authority ? { role: req.authority.role } : {}) },
      actor: req.actor ?? { platform: 'system', id: req.requestedBy, name: req.requestedBy },
      ...(req.authority ? { authority: { config, what: req.authority.what } } : {}),
      authorized: async () => {
        await req.onAuthorized?.();
      },
      leaseTtlMs: ttl,
      onLeaseLost: 'abort',
      // Shutdown began while the lease was being taken: start nothing.
      begin: async () => !jobs.stopping,
      execute: (signal) => {
        signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
        return work();
      },
      finish: async (end) => {
        if (end.kind === 'finished') return end.value;
        if (end.kind === 'threw') throw end.error;
        const late = end.late?.kind === 'finished' && end.late.value.kind === 'done' ? end.late.value.record : null;
        // The job did not wind up within the runner's short wait (a dump that ignores SIGTERM is only
        // killed seconds later): mark its record failed here, while the store is still open, or it
        // stayed "running" after exit and the message below was untrue.
        const done = late ?? (await markStopped(end.durationMs));
        return { kind: 'interrupted', record: done, message: `Interrupted by shutdown: Firebreak was stopped while the backup of ${req.target} ran, so it was stopped part-way. It does not count as a backup (${id} is marked failed); run /backup now again.` };
      },
    }, ports);
    switch (run.kind) {
      case 'done':
        return run.result;
      case 'busy':
        return { kind: 'busy', heldBy: run.heldBy };
      case 'refused':
        return { kind: 'refused', refusal: run.refusal };
      case 'stopping':
      case 'not-begun':
        return { kind: 'stopping', message: stoppingMessage };
    }
  })();
  job.done = whole;
  jobs.register(job);
  return whole;
}
