import type {
  ActionRunner,
  BackupJobs,
  BackupRepository,
  BackupRunner,
  Coordination,
  ConfirmationRepository,
  DeployPort,
  HealthProber,
  LeaseRepository,
  Logger,
  TimelineRepository,
} from './ports.js';
import type { DeliveryClaims } from './delivery-claims.js';
import type { CommandRegistry } from './registry.js';
import type { Redactor } from './redact.js';

/**
 * Everything a command may use, handed in by main.ts. New capabilities (deploy, actions,
 * backups, incidents) add their port here as an optional field until every entry point wires it.
 */
export interface Ports {
  registry: CommandRegistry;
  timeline: TimelineRepository;
  leases: LeaseRepository;
  confirmations: ConfirmationRepository;
  coordination: Coordination;
  /** Runs each chat delivery once: in Redis, and in the store for mutating ones (see FallbackDeliveryClaims). */
  deliveries: DeliveryClaims;
  health: HealthProber;
  redactor: Redactor;
  logger: Logger;
  /** Deployed services: kubectl or the configured commands (/status, /rollback, /scale, /restart). */
  deploy?: DeployPort;
  /** Custom actions from `actions:` in the config (argv and HTTP templates). */
  actions?: ActionRunner;
  /**
   * Backups: records in the store, the runner for pg_dump/psql/S3 and this process's running
   * jobs (shutdown waits for them; the scheduler installs the reporter), all wired together.
   */
  backups?: { records: BackupRepository; runner: BackupRunner; jobs: BackupJobs };
  /** Human description of the store, e.g. "embedded" or "postgres 127.0.0.1:5432/firebreak". */
  storeDescription: string;
}
