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

/**
 * Which incident a piece of work counts for (the incidents' store answers it; the dispatcher asks,
 * see channel-incidents.ts and docs/incidents.md "Which incident work counts for").
 */
export interface IncidentAttribution {
  /** The incident whose own channel this is (open or resolved). */
  byChannel(platform: string, channelId: string): Promise<{ id: string } | null>;
  /** byChannel for several channels of one platform in one look-up: those that have an incident, by channel id. */
  byChannels?(platform: string, channelIds: string[]): Promise<Map<string, { id: string }>>;
  /** The incident an alert group opened or joined (a card's buttons count for it, wherever the card is). */
  byAlertGroup(groupId: string): Promise<{ id: string } | null>;
  /** The open incident about a service (its own service or its alerts'); of several, the most severe, then the newest. */
  openByService(service: string): Promise<{ id: string } | null>;
  /** An incident by its id ("INC-7"), for entering it explicitly; null when there is none. */
  get(id: string): Promise<{ id: string; status: string } | null>;
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
  /** Which incident a command or click counts for (channel, card, service): its events carry it. */
  incidentAttribution: IncidentAttribution;
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
  /** The signed link to an incident's timeline page (FIREBREAK_PUBLIC_URL + /incidents/:id): the Open timeline button. */
  timelineUrl?: (incidentId: string) => Promise<string>;
}
