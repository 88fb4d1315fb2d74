import type { BackupDestinationConfig, BackupTargetConfig } from '../../config/schema.js';
import type { BackupProgress, BackupRunner, BackupRunResult, RestoreRequest, RestoreRunResult, StoredObject } from '../../backups/backup-port.js';
import { dumpCommand, fileExtension, restoreCommand } from './dump-command.js';
import { objectStoreFor } from './object-store.js';
import { streamBackup } from './stream-backup.js';
import { streamRestore } from './stream-restore.js';

/** 2026-11-25T030000Z: sortable, and no ":" (awkward in S3 keys and file names). */
function stamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/:/g, '');
}

export class StreamingBackupRunner implements BackupRunner {
  locationFor(destination: BackupDestinationConfig, targetName: string, target: BackupTargetConfig, id: string, at: Date): string {
    return objectStoreFor(destination).location(`${targetName}/${stamp(at)}-${id}.${fileExtension(target)}`);
  }

  describe(target: BackupTargetConfig): string[] {
    return dumpCommand(target).argv;
  }

  describeRestore(target: BackupTargetConfig, opts: { format?: 'custom' | 'plain'; intoUrl?: string } = {}): string[] | null {
    return restoreCommand(target, opts)?.argv ?? null;
  }

  async listObjects(destination: BackupDestinationConfig): Promise<StoredObject[]> {
    const all = await objectStoreFor(destination).list();
    return all.sort((a, b) => b.modifiedAt.getTime() - a.modifiedAt.getTime() || a.name.localeCompare(b.name));
  }

  statObject(destination: BackupDestinationConfig, name: string): Promise<StoredObject | null> {
    return objectStoreFor(destination).stat(name);
  }

  async backup(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    compressionLevel: number;
    onProgress?: (p: BackupProgress) => void;
    signal?: AbortSignal;
  }): Promise<BackupRunResult> {
    // A PostgreSQL dump reads a snapshot Firebreak exported and counts rows in: /backup verify compares with them.
    // pg loads with the first PostgreSQL backup or restore, not with every process.
    const snapshot = req.target.type === 'postgres' ? await (await import('./row-counts.js')).countedSnapshot(req.target.url) : null;
    try {
      const result = await streamBackup({
        dump: dumpCommand(req.target, snapshot?.id),
        store: objectStoreFor(req.destination),
        location: req.location,
        timeoutMs: req.target.timeout_s * 1000,
        compressionLevel: req.compressionLevel,
        onProgress: req.onProgress,
        signal: req.signal,
      });
      const counts = snapshot ? await snapshot.counts : undefined;
      return counts && result.ok ? { ...result, rowCounts: counts } : result;
    } finally {
      await snapshot?.close();
    }
  }

  async restore(req: RestoreRequest): Promise<RestoreRunResult> {
    const restore = restoreCommand(req.target, { format: req.format, intoUrl: req.intoUrl });
    if (!restore) {
      return { ok: false, durationMs: 0, argv: [], exitCode: null, stderr: '', tables: [], problem: `This command target has no restore: argv, so it cannot be restored from chat; restore it by hand. Nothing was restored.` };
    }
    // A `restore:` argv writes somewhere Firebreak cannot count (ClickHouse); the built-in one into PostgreSQL.
    const url = req.target.type === 'postgres' && !req.target.restore ? (req.intoUrl ?? req.target.restore_url ?? req.target.url) : null;
    return streamRestore({
      restore,
      store: objectStoreFor(req.destination),
      location: req.location,
      sha256: req.sha256,
      timeoutMs: req.target.timeout_s * 1000,
      onStage: req.onProgress,
      countRows: url ? async () => (await import('./row-counts.js')).rowCounts(url) : null,
    });
  }

  async remove(destination: BackupDestinationConfig, location: string): Promise<void> {
    await objectStoreFor(destination).remove(location);
  }
}
