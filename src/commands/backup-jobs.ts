/**
 * Running one backup and applying retention: shared by /backup now and the scheduler, so a manual
 * and a scheduled backup of the same target take the same lease and write the same records.
 * Depends only on ports: the runner does the pg_dump/S3 work, the repository the bookkeeping.
 */
import { randomBytes } from 'node:crypto';
import type { BackupTargetConfig, FirebreakConfig } from '../config/schema.js';
import type { BackupProgress, BackupRecord, BackupRunResult, LeaseInfo } from '../core/ports.js';
import type { Ports } from '../core/services.js';

export type BackupJobOutcome =
  | { kind: 'done'; record: BackupRecord; result: BackupRunResult }
  | { kind: 'busy'; heldBy: LeaseInfo }
  /** A scheduled slot another replica already recorded. */
  | { kind: 'slot-taken' }
  | { kind: 'unavailable'; message: string };

export function backupLeaseKey(target: string): string {
  return `backup:${target}`;
}

export function newBackupId(): string {
  return `bk-${randomBytes(4).toString('hex')}`;
}

export function configuredTarget(config: FirebreakConfig, name: string): BackupTargetConfig | undefined {
  return Object.hasOwn(config.backups.targets, name) ? config.backups.targets[name] : undefined;
}

export async function runBackupJob(
  config: FirebreakConfig,
  ports: Ports,
  req: { target: string; trigger: string; requestedBy: string; onProgress?: (p: BackupProgress) => void; now?: Date },
): Promise<BackupJobOutcome> {
  const backups = ports.backups;
  const target = configuredTarget(config, req.target);
  const destination = config.backups.destination;
  if (!backups) return { kind: 'unavailable', message: 'Backups are not available in this Firebreak process (no backup runner is wired). Nothing was run.' };
  if (!target || !destination) return { kind: 'unavailable', message: `There is no backup target "${req.target}" with a destination in the config. Nothing was run.` };

  const id = newBackupId();
  const key = backupLeaseKey(req.target);
  // The dump is killed at its timeout, so the lease can simply outlive it rather than be renewed.
  const lease = await ports.leases.acquire(key, { id, actorName: req.requestedBy, description: `Backup of ${req.target}` }, target.timeout_s * 1000 + 60_000);
  if (!lease.acquired) return { kind: 'busy', heldBy: lease.heldBy };
  try {
    const location = backups.runner.locationFor(destination, req.target, target, id, req.now ?? new Date());
    const record = await backups.records.start({ id, target: req.target, trigger: req.trigger, requestedBy: req.requestedBy, location });
    if (!record) return { kind: 'slot-taken' };
    let result: BackupRunResult;
    try {
      result = await backups.runner.backup({ target, destination, location, compressionLevel: config.backups.compression_level, onProgress: req.onProgress });
    } catch (err) {
      result = { ok: false, sizeBytes: 0, sha256: '', durationMs: 0, argv: backups.runner.describe(target), exitCode: null, stderr: '', problem: (err as Error).message };
    }
    if (result.ok) await backups.records.complete(id, { sizeBytes: result.sizeBytes, sha256: result.sha256, durationMs: result.durationMs });
    else await backups.records.fail(id, ports.redactor.redact(result.problem ?? 'failed'), result.durationMs);
    return { kind: 'done', record: (await backups.records.get(id)) ?? record, result };
  } finally {
    await ports.leases.release(key, id).catch((err: unknown) => ports.logger.warn({ err: String(err), lease: key }, 'lease release failed; it will expire'));
  }
}

/**
 * Deletes complete backups of a target older than retention_days: the object first, then the
 * record, so a record never points at nothing. Running and failed rows are left alone.
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
