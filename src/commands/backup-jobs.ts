/**
 * Running one backup and applying retention: shared by /backup now and the scheduler, so a manual
 * and a scheduled backup of the same target take the same lease and write the same records.
 * Depends only on ports: the runner does the pg_dump/S3 work, the repository the bookkeeping.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { BackupTargetConfig, FirebreakConfig } from '../config/schema.js';
import type { Actor } from '../core/identity.js';
import type { BackupJobs, BackupProgress, BackupRecord, BackupReport, BackupRunner, BackupRunResult, LeaseInfo, RunningBackupJob } from '../core/ports.js';
import { keepLeaseAlive } from '../core/lease-keeper.js';
import type { Ports } from '../core/services.js';

export type BackupJobOutcome =
  | { kind: 'done'; record: BackupRecord; result: BackupRunResult; expired: BackupRecord[]; retentionProblems: string[] }
  | { kind: 'busy'; heldBy: LeaseInfo }
  /** A scheduled slot another replica already recorded. */
  | { kind: 'slot-taken' }
  /** This process is shutting down: nothing was started. */
  | { kind: 'stopping'; message: string }
  | { kind: 'unavailable'; message: string };

/**
 * How long a backup lease lives without renewal. The job renews it every third of this while it
 * runs, so a long upload never outlives its lease, and a crashed process frees the target soon.
 */
export const BACKUP_LEASE_TTL_MS = 120_000;

type BackupRequest = Parameters<BackupRunner['backup']>[0];

export function backupLeaseKey(target: string): string {
  return `backup:${target}`;
}

export function newBackupId(): string {
  return `bk-${randomBytes(4).toString('hex')}`;
}

export function configuredTarget(config: FirebreakConfig, name: string): BackupTargetConfig | undefined {
  return Object.hasOwn(config.backups.targets, name) ? config.backups.targets[name] : undefined;
}


/**
 * The backup jobs of one Firebreak process: what is running, so shutdown can wait for it, and
 * where failures are reported (installed by the scheduler, which holds the chat platforms).
 * main.ts builds one per app and hands it in as `ports.backups.jobs`. Without it, close() shut
 * the store while a dump was still running and the record stayed "running" for ever.
 */
export class InProcessBackupJobs implements BackupJobs {
  private stoppingFlag = false;
  private readonly jobs = new Map<string, RunningBackupJob>();
  private readonly chores = new Set<Promise<unknown>>();
  reporter: ((report: BackupReport) => Promise<void>) | undefined;

  get stopping(): boolean {
    return this.stoppingFlag;
  }

  beginStopping(): void {
    this.stoppingFlag = true;
  }

  track<T>(work: Promise<T>): Promise<T> {
    this.chores.add(work);
    void work.then(
      () => this.chores.delete(work),
      () => this.chores.delete(work),
    );
    return work;
  }

  register(job: RunningBackupJob): void {
    this.jobs.set(job.id, job);
    const forget = () => {
      if (this.jobs.get(job.id) === job) this.jobs.delete(job.id);
    };
    void job.done.then(forget, forget);
  }

  running(): RunningBackupJob[] {
    return [...this.jobs.values()];
  }

  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.chores, ...[...this.jobs.values()].map((j) => j.done)];
      if (pending.length === 0) return;
      await Promise.allSettled(pending);
    }
  }
}

export async function runBackupJob(
  config: FirebreakConfig,
  ports: Ports,
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
  const key = backupLeaseKey(req.target);
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
    if (result.ok && !(await backups.records.complete(id, { sizeBytes: result.sizeBytes, sha256: result.sha256, durationMs: result.durationMs }))) {
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
    const kept = await applyRetention(config, ports, req.target);
    const actor = req.actor ?? { platform: 'system', id: req.requestedBy, name: req.requestedBy };
    for (const r of kept.deleted) {
      await ports.timeline.record({
        invocationId: req.invocationId ?? randomUUID(),
        kind: 'backup.expired',
        actor,
        command: 'backup',
        text: `deleted ${r.id} of ${req.target} (older than ${config.backups.retention_days} days)`,
        outcome: 'ok',
        detail: { backup: r.id, location: r.location ?? '' },
      });
    }
    if (kept.problems.length > 0) ports.logger.warn({ target: req.target, problems: kept.problems }, `retention of ${req.target} could not delete some backups`);
    return { kind: 'done', record: done, result, expired: kept.deleted, retentionProblems: kept.problems };
  };
  // Registered before the first await (below, synchronously): a shutdown that begins while the
  // lease is being taken waits for this job instead of closing the store under it.
  const whole = (async (): Promise<BackupJobOutcome> => {
    const lease = await ports.leases.acquire(key, { id, actorName: req.requestedBy, description: `Backup of ${req.target}` }, ttl);
    if (!lease.acquired) return { kind: 'busy', heldBy: lease.heldBy };
    const release = () => ports.leases.release(key, id).catch((err: unknown) => ports.logger.warn({ err: String(err), lease: key }, 'lease release failed; it will expire'));
    if (jobs.stopping) {
      // Shutdown began while the lease was being taken: start nothing.
      await release();
      return { kind: 'stopping', message: stoppingMessage };
    }
    // Renewed while the job runs: a stalled upload used to outlive a fixed lease, letting a second
    // backup (or retention) of the same target start beside it. Lost anyway → someone else may hold
    // the target (a restore): stop rather than write or expire beside it.
    const stopRenewing = keepLeaseAlive(ports.leases, { key, holderId: id, ttlMs: ttl }, ports.logger, () => controller.abort(new Error(`the lease of backup ${id} was lost`)));
    try {
      return await work();
    } finally {
      stopRenewing();
      await release();
    }
  })();
  job.done = whole;
  jobs.register(job);
  return whole;
}

/**
 * Shutdown: refuse new backups, give running ones `graceMs` to finish, then stop them (the dump is
 * killed, the upload aborted, the record marked failed by the job). If one still has not finished
 * after `abortWaitMs`, its record is marked failed here, so nothing stays "running" once the store closes.
 */
export async function stopBackupJobs(ports: Ports, opts: { graceMs: number; abortWaitMs: number }): Promise<{ stopped: string[] }> {
  const jobs = ports.backups?.jobs;
  if (!jobs) return { stopped: [] };
  jobs.beginStopping();
  if (await within(jobs.idle(), opts.graceMs)) return { stopped: [] };
  const stopped = jobs.running();
  for (const j of stopped) {
    ports.logger.warn({ backup: j.id, target: j.target }, `stopping backup ${j.id} of ${j.target}: Firebreak is shutting down`);
    j.controller.abort(new Error('Firebreak is shutting down'));
  }
  if (!(await within(jobs.idle(), opts.abortWaitMs))) {
    for (const j of jobs.running()) {
      await ports.backups?.records
        .fail(j.id, 'Firebreak shut down while this backup was running and it did not stop in time; it is not a backup.', performance.now() - j.startedAt)
        .catch((err: unknown) => ports.logger.error({ backup: j.id, err: String(err) }, `could not mark backup ${j.id} failed at shutdown`));
    }
  }
  return { stopped: stopped.map((j) => j.id) };
}

async function within(work: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true as const), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Deletes complete backups of a target older than retention_days: the object first, then the
 * record, so a record never points at nothing. Running and failed rows are left alone.
 * Call it only while holding the target's backup lease (runBackupJob does).
 */
export async function applyRetention(
  config: FirebreakConfig,
  ports: Ports,
  targetName: string,
  now: Date = new Date(),
): Promise<{ deleted: BackupRecord[]; problems: string[] }> {
  const days = config.backups.retention_days;
  const destination = config.backups.destination;
  const backups = ports.backups;
  if (!days || !destination || !backups) return { deleted: [], problems: [] };
  const before = new Date(now.getTime() - days * 86_400_000);
  const old = await backups.records.completeOlderThan(targetName, before);
  const deleted: BackupRecord[] = [];
  const problems: string[] = [];
  for (const r of old) {
    try {
      if (r.location) await backups.runner.remove(destination, r.location);
      await backups.records.delete(r.id);
      deleted.push(r);
    } catch (err) {
      problems.push(`${r.id}: ${ports.redactor.redact((err as Error).message)}`);
    }
  }
  return { deleted, problems };
}

/** Margin past a target's timeout_s after which a "running" row cannot belong to a live backup. */
export const STALE_RUNNING_MARGIN_MS = 10 * 60_000;

/**
 * Start-up sweep: rows left "running" by a process that crashed (or was killed at shutdown) are
 * marked failed with a note, and whatever they left at the destination is removed. A row counts
 * as abandoned when it is older than its target's timeout_s plus a margin (the dump is killed at
 * timeout_s, and uploads time out) and its target's lease is not held by it.
 */
export async function failAbandonedBackups(config: FirebreakConfig, ports: Ports, now: Date = new Date()): Promise<BackupRecord[]> {
  const backups = ports.backups;
  if (!backups) return [];
  const swept: BackupRecord[] = [];
  for (const [name, target] of Object.entries(config.backups.targets)) {
    const cutoff = now.getTime() - target.timeout_s * 1000 - STALE_RUNNING_MARGIN_MS;
    // The repository port has no status filter; an abandoned row sits among the newest rows of its
    // target, since each start-up sweeps what the previous one left.
    const rows = (await backups.records.list({ target: name, limit: 200 })).filter((r) => r.status === 'running' && r.startedAt.getTime() < cutoff);
    for (const r of rows) {
      const lease = await ports.leases.current(backupLeaseKey(name));
      if (lease?.id === r.id) continue;
      let note = `Firebreak stopped while this backup was running (started ${r.startedAt.toISOString()}); marked failed at start-up. It is not a backup.`;
      if (r.location && config.backups.destination) {
        try {
          await backups.runner.remove(config.backups.destination, r.location);
        } catch (err) {
          note += ` Its partial object at ${r.location} could not be removed: ${(err as Error).message}.`;
        }
      }
      // duration_ms is an integer column: a row stuck for weeks must not overflow it.
      await backups.records.fail(r.id, ports.redactor.redact(note), Math.min(now.getTime() - r.startedAt.getTime(), 2_000_000_000));
      ports.logger.warn({ backup: r.id, target: name }, `backup ${r.id} of ${name} was left running by a stopped process; marked failed`);
      swept.push(r);
    }
  }
  return swept;
}
