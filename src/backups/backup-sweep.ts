import type { FirebreakConfig } from '../config/schema.js';
import type { BackupRecord } from './backup-port.js';
import type { BackupsPorts } from './ports.js';
import { backupLeaseKey } from './backup-targets.js';

/** Margin past a target's timeout_s after which a "running" row cannot belong to a live backup. */
export const STALE_RUNNING_MARGIN_MS = 10 * 60_000;

/**
 * Start-up sweep: rows left "running" by a process that crashed (or was killed at shutdown) are
 * marked failed with a note, and whatever they left at the destination is removed. A row counts
 * as abandoned when it is older than its target's timeout_s plus a margin (the dump is killed at
 * timeout_s, and uploads time out) and its target's lease is not held by it.
 */
export async function failAbandonedBackups(config: FirebreakConfig, ports: BackupsPorts, now: Date = new Date()): Promise<BackupRecord[]> {
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
