import type { BackupDestinationConfig, BackupTargetConfig } from '../../config/schema.js';
import type { BackupProgress, BackupRunner, BackupRunResult, RestoreRunResult } from '../../backups/backup-port.js';
import { dumpCommand, fileExtension, restoreCommand } from './dump-command.js';
import { objectStoreFor } from './object-store.js';
import { rowCounts } from './row-counts.js';
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

  describeRestore(target: BackupTargetConfig): string[] | null {
    return restoreCommand(target)?.argv ?? null;
  }

  backup(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    compressionLevel: number;
    onProgress?: (p: BackupProgress) => void;
    signal?: AbortSignal;
  }): Promise<BackupRunResult> {
    return streamBackup({
      dump: dumpCommand(req.target),
      store: objectStoreFor(req.destination),
      location: req.location,
      timeoutMs: req.target.timeout_s * 1000,
      compressionLevel: req.compressionLevel,
      onProgress: req.onProgress,
      signal: req.signal,
    });
  }

  async restore(req: {
    target: BackupTargetConfig;
    destination: BackupDestinationConfig;
    location: string;
    sha256: string;
    onProgress?: (stage: string) => void;
  }): Promise<RestoreRunResult> {
    const restore = restoreCommand(req.target);
    if (!restore || req.target.type !== 'postgres') {
      return { ok: false, durationMs: 0, argv: [], exitCode: null, stderr: '', tables: [], problem: 'Only postgres targets can be restored from chat; restore command backups by hand. Nothing was restored.' };
    }
    const url = req.target.restore_url ?? req.target.url;
    return streamRestore({
      restore,
      store: objectStoreFor(req.destination),
      location: req.location,
      sha256: req.sha256,
      timeoutMs: req.target.timeout_s * 1000,
      onStage: req.onProgress,
      countRows: () => rowCounts(url),
    });
  }

  async remove(destination: BackupDestinationConfig, location: string): Promise<void> {
    await objectStoreFor(destination).remove(location);
  }
}
