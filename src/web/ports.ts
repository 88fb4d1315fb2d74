import type { AlertGroup } from '../alerts/model.js';
import type { WatchedCheck } from '../alerts/health-watch.js';
import type { MaintenanceWindow } from '../alerts/maintenance.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import type { IncidentHistory, PublicUpdateStore } from '../incidents/public-updates.js';
import type { DraftSource } from '../postmortems/draft-source.js';
import type { StoredTicket } from '../postmortems/ticket-store.js';

/** What the pages read. Built in main.ts from the rooms' stores; the pages never write. */
export interface WebSources {
  config: FirebreakConfig;
  /** An incident with its timeline (its alert groups' events too), its alert groups and action items. */
  drafts: DraftSource;
  history: IncidentHistory;
  alerts: { firing(filter?: { service?: string; limit?: number }): Promise<AlertGroup[]> };
  tickets: { list(incidentId: string): Promise<StoredTicket[]> };
  healthWatch: { list(): Promise<WatchedCheck[]> };
  publicUpdates: PublicUpdateStore;
  /** Maintenance windows on at some point in [from, to]: stored ones and configured ones not stored yet (alerts/maintenance.ts windowsBetween). */
  maintenance: { between(from: Date, to: Date): Promise<MaintenanceWindow[]> };
  /** The link-signing secret (signed-links.ts linkSecret()). */
  secret: () => Promise<string>;
  /** FIREBREAK_PUBLIC_URL: the status feed's absolute links. */
  publicUrl: string;
  redactor: Redactor;
  logger: Logger;
  now?: () => Date;
  /** How often the live stream looks for new events (ms); a test knob. */
  pollMs?: number;
}
