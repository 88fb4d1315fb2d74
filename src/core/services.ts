import type { ButtonCatalog } from './button-catalog.js';
import type { ChatDirectory } from './chat-port.js';
import type { CommandCatalog } from './command-catalog.js';
import type { DeliveryClaims } from './delivery-claims.js';
import type { Logger } from './logger.js';
import type { MessageRefRepository } from './message-refs.js';
import type { PagingPort } from './paging-port.js';
import type { ActionRunner, ConfirmationRepository, Coordination, DeployPort, HealthProber, LeaseRepository, Timeline, Transactor } from './ports.js';
import type { Redactor } from './redact.js';
import type { StepRunner } from './step-runner.js';

/** Which incident a channel is the own channel of (the incidents' store answers it; see channel-incidents.ts). */
export interface IncidentChannels {
  byChannel(platform: string, channelId: string): Promise<{ id: string } | null>;
}

/**
 * The ports the core defines and uses: what the pipeline, the platforms and every room's
 * services may rely on. Domain rooms add their own (`AlertsPorts` in src/alerts/ports.ts, …);
 * the whole set main.ts builds is `AppPorts` (src/app/ports.ts).
 */
export interface CorePorts {
  /** The commands, read-only (/help, Discord's options, the delivery claims); the dispatcher's registry runs them (PipelinePorts). */
  registry: CommandCatalog;
  /** Action-id prefix → button, read-only: confirm:, cancel:, run: and the domains' own. */
  buttons: ButtonCatalog;
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
  /** The incident whose own channel a command or click came from: its events carry it. */
  incidentChannels: IncidentChannels;
  health: HealthProber;
  redactor: Redactor;
  logger: Logger;
  /** Deployed services: kubectl or the configured commands (/status, /rollback, /scale, /restart). */
  deploy?: DeployPort;
  /** Custom actions from `actions:` in the config (argv and HTTP templates). */
  actions?: ActionRunner;
  /** Platform id → chat port: where domain services post, update and create channels on their own. */
  chat: ChatDirectory;
  /** What each long-lived message shows → where it was posted: any replica updates it in place (see posted-messages.ts). */
  messageRefs: MessageRefRepository;
  /** PagerDuty (alerts.pagerduty), for escalation steps that page and for keeping the page in step with the card. */
  paging?: PagingPort;
  /** Human description of the store, e.g. "embedded" or "postgres 127.0.0.1:5432/firebreak". */
  storeDescription: string;
}
