import type { Transactor, TxPorts } from '../core/ports.js';
import type { CorePorts } from '../core/services.js';
import type { BackupJobs, BackupReportRepository, BackupRepository, BackupRunner } from './backup-port.js';

/** A transaction that may also touch backup records (a deleted backup and its event commit together). */
export interface BackupsTx extends TxPorts {
  backups: BackupRepository;
}

/** What the backups room uses: the core's ports and its own. */
export interface BackupsPorts extends CorePorts {
  transactor: Transactor<BackupsTx>;
  /**
   * Backups: records in the store, the runner for pg_dump/psql/S3, this process's running jobs
   * (shutdown waits for them) and the day's problems per target (the report in the incidents channel).
   */
  backups?: { records: BackupRepository; runner: BackupRunner; jobs: BackupJobs; reports: BackupReportRepository };
}
