import type { Actor } from '../core/identity.js';
import type { AlertGroup, AlertNotification, AlertSource, StoredAlert } from './model.js';
import type { HeldBy } from './maintenance.js';

/** What one ingested notification changed. */
export interface IngestResult {
  group: AlertGroup;
  /** False for a repeat (an HA twin, a retry): nothing was stored, no message changes. */
  stored: boolean;
  /** The group's status changed (firing → resolved, or it fired again). */
  transition: 'opened' | 'updated' | 'resolved' | 'refired' | 'none';
  /** This notification put the group under a maintenance window it was not held by before (recorded as alert.held). */
  held?: boolean;
  /**
   * Whether an incident about the group's service was open when it was stored (read with the group,
   * in the same statement). False lets the incidents skip looking for one to join: in a storm that
   * is a read of the store per webhook saved. Absent: unknown, look.
   */
  serviceIncidentOpen?: boolean;
}

/** Where a notification's group goes: the route's channel and index, severity override. */
export interface GroupRouting {
  channel: string;
  route: number | null;
  severity: string | null;
  /** The maintenance window that holds this notification's alerts (src/alerts/maintenance.ts), if any. */
  maintenance?: HeldBy | null;
}

/**
 * The alert groups and their alerts (src/store implements it). Every method that changes a group
 * bumps its version, records its timeline event and marks its card dirty in the outbox, all in one
 * transaction, so a crash between "stored" and "posted" delays the card and never loses it.
 */
export interface AlertStore {
  /**
   * Stores a notification once (dedupe on groupKey + status + fingerprints + startsAt/endsAt and
   * what the alerts say: labels, annotations, values; never externalURL or links), for the given
   * chat platforms' cards. A notification equal to the group's latest is a repeat; new content is an
   * update. Throws when the store fails: the webhook then answers 503 and Alertmanager retries.
   */
  ingest(n: AlertNotification, routing: GroupRouting, platforms: readonly string[]): Promise<IngestResult>;
  get(id: string): Promise<AlertGroup | null>;
  /** Several groups in one read (the storm digest lists hundreds); ids that name no group are left out. */
  getMany(ids: readonly string[]): Promise<AlertGroup[]>;
  alerts(groupId: string, limit?: number): Promise<StoredAlert[]>;
  /**
   * Firing groups, newest first; `service` filters by the service label, `source` by where they came
   * from, `firedBefore` keeps those whose current firing started at or before it (the drill sweep).
   */
  firing(filter?: { service?: string; source?: AlertSource; firedBefore?: Date; limit?: number }): Promise<AlertGroup[]>;
  /** Null when it was already acknowledged (the current group is returned in `group`). */
  acknowledge(id: string, by: Actor, platforms: readonly string[]): Promise<{ group: AlertGroup; first: boolean } | null>;
  setSilence(id: string, silence: { id: string; until: Date; by: Actor }, platforms: readonly string[]): Promise<AlertGroup | null>;
  /** Marks an escalation step done; false when another replica did it first (exactly once). */
  markEscalated(id: string, step: number, platforms: readonly string[]): Promise<boolean>;
  /**
   * Firing, unacknowledged groups that fired at or before `firedBefore` and have fewer than
   * `stepCount` escalation steps done (escalation candidates; fully escalated groups never crowd out new ones).
   */
  unacknowledgedFiring(firedBefore: Date, stepCount?: number): Promise<AlertGroup[]>;
  /** Firing groups whose card is marked as held by maintenance window `windowId`. */
  heldBy(windowId: string): Promise<AlertGroup[]>;
  /**
   * The window is over for this group: its card's mark goes (`to` null) or names the window that
   * still holds it (recorded as alert.held). Null when it is no longer held by `fromWindow`.
   */
  moveHold(id: string, fromWindow: string, to: HeldBy | null, platforms: readonly string[]): Promise<AlertGroup | null>;
}

/** The outbox key of a group's card (also its stored message ref key). */
export const groupMessageKey = (groupId: string) => `alert-group:${groupId}`;
