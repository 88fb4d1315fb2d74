import type { BackupsTx } from '../backups/ports.js';
import type { Timeline, Transactor } from '../core/ports.js';
import { SqlBackupRepository } from './backup-repository.js';
import { SqlConfirmationRepository } from './confirmation-repository.js';
import type { Db } from './db.js';
import { SqlLeaseRepository } from './lease-repository.js';
import { SqlTimelineRepository } from './timeline-repository.js';
import type { TimelineRepository } from '../core/timeline.js';

/**
 * Transactions for the core: repositories bound to one transaction. `timeline` wraps the
 * transaction's timeline repository in the recorder main.ts gives (it redacts), so events written
 * inside a transaction are masked like every other.
 */
export class SqlTransactor implements Transactor<BackupsTx> {
  constructor(
    private readonly db: Db,
    private readonly recorder: (repo: TimelineRepository) => Timeline,
  ) {}

  atomically<T>(fn: (tx: BackupsTx) => Promise<T>): Promise<T> {
    return this.db.transaction((q) =>
      fn({
        timeline: this.recorder(new SqlTimelineRepository(q)),
        confirmations: new SqlConfirmationRepository(q),
        leases: new SqlLeaseRepository(q),
        backups: new SqlBackupRepository(q),
      }),
    );
  }
}
