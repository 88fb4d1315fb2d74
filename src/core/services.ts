import type {
  ActionRunner,
  BackupJobs,
  BackupReportRepository,
  BackupRepository,
  BackupRunner,
  Coordination,
  ConfirmationRepository,
  DeployPort,
  HealthProber,
  LeaseRepository,
  Logger,
  Timeline,
  Transactor,
} from './ports.js';
import type { AlertStore, IngestResult } from '../alerts/alert-store.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { PostmortemTicketing } from '../postmortems/ticket-filing.js';
import type { PostmortemService } from '../postmortems/postmortem-service.js';
import type { ButtonRegistry } from './button-handlers.js';
import type { ChatDirectory } from './chat-port.js';
import type { MessageRefRepository } from './message-refs.js';
import type { PagingPort } from './paging-port.js';
import type { DeliveryClaims } from './delivery-claims.js';
import type { CommandRegistry } from './registry.js';
import type { Redactor } from './redact.js';
import type { SilencePort } from './silence-port.js';
import type { StepRunner } from './step-runner.js';

/**
 * Everything a command may use, handed in by main.ts. New capabilities (deploy, actions,
 * backups, incidents) add their port here as an optional field until every entry point wires it.
 */
export interface Ports {
  registry: CommandRegistry;
  /** Action-id prefix → button handler (confirm:, cancel:, run: and the domains' own). */
  buttons: ButtonRegistry;
  /** The only writer of timeline events (it redacts); reads too. */
  timeline: Timeline;
  /** A state change and the event that records it, in one transaction. */
  transactor: Transactor;
  leases: LeaseRepository;
  /** Runs every planned step (role → lease → execute → record → release); its in-flight steps are what shutdown drains. */
  steps: StepRunner;
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
   * Backups: records in the store, the runner for pg_dump/psql/S3, this process's running jobs
   * (shutdown waits for them) and the day's problems per target (the report in the incidents channel).
   */
  backups?: { records: BackupRepository; runner: BackupRunner; jobs: BackupJobs; reports: BackupReportRepository };
  /** Alertmanager's silences API; set when alerts.alertmanager_url is configured (the Silence button). */
  silences?: SilencePort;
  /** Platform id → chat port: where domain services post, update and create channels on their own. */
  chat: ChatDirectory;
  /** What each long-lived message shows → where it was posted: any replica updates it in place (see posted-messages.ts). */
  messageRefs: MessageRefRepository;
  /** Alert groups and their cards' state (Alertmanager, Grafana, the health watch). */
  alerts: AlertStore;
  /** Incidents: declared once per source, their roles, channel and action items; each change is a timeline event. */
  incidents: IncidentStore;
  /** PagerDuty (alerts.pagerduty), for escalation steps that page and for keeping the page in step with the card. */
  paging?: PagingPort;
  /** Post-mortem tickets: the systems in `postmortems:` (GitHub, Jira, a directory) and what was filed with them. */
  tickets?: PostmortemTicketing;
  /** Run after an alert notification is stored (main.ts wires the incidents' reactions). */
  alertReactions?: (result: IngestResult) => Promise<void>;
  /** Drafts, files and shows an incident's post-mortem (resolve, /incident postmortem). */
  postmortems?: PostmortemService;
  /** Human description of the store, e.g. "embedded" or "postgres 127.0.0.1:5432/firebreak". */
  storeDescription: string;
}
