import type { FirebreakConfig } from '../config/schema.js';
import type { TimelineEventInput } from '../core/ports.js';
import type { BackupRecord } from './backup-port.js';
import type { BackupsPorts } from './ports.js';

/**
 * Deletes complete backups of a target older than retention_days: the object first, then the
 * record, so a record never points at nothing. Running and failed rows are left alone.
 * Call it only while holding the target's backup lease (runBackupJob does).
 */
export async function applyRetention(
  config: FirebreakConfig,
  ports: BackupsPorts,
  targetName: string,
  /** The timeline event of one deletion: written in the transaction that deletes the record. */
  expiredEvent: (r: BackupRecord) => TimelineEventInput,
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
      await ports.transactor.atomically(async (tx) => {
        await tx.backups.delete(r.id);
        await tx.timeline.record(expiredEvent(r));
      });
      deleted.push(r);
    } catch (err) {
      problems.push(`${r.id}: ${ports.redactor.redact((err as Error).message)}`);
    }
  }
  return { deleted, problems };
}
