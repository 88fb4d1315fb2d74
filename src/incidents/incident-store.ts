import type { Actor, ChannelRef } from '../core/identity.js';
import type { ActionItem, Incident, IncidentChannel, IncidentRoles, IncidentStatus, Severity } from './model.js';
import type { DueReminder } from './reminder-policy.js';

/** Who made a change and as part of which invocation: its timeline event says so. */
export interface ChangeContext {
  actor: Actor;
  /** Groups the change's event with the command or click that made it. */
  invocationId: string;
  /** Where it was done (the event's channel). */
  channel?: ChannelRef | null;
}

export interface DeclareInput {
  /** Idempotency: a second declare with the same source returns the first incident. */
  source: string;
  title: string;
  severity: Severity;
  declaredBy: Actor;
  /** The lead from the start (the person declaring); null leaves the role open. */
  lead: Actor | null;
  service?: string | null;
  alertGroups?: string[];
  /** Where the linked alert groups' cards are shown: marked for an update (outbox) so they say which incident. */
  cardPlatforms?: readonly string[];
}

export interface DeclareResult {
  incident: Incident;
  /** False when this source had declared it already (a retry, another replica, a second click). */
  created: boolean;
}

/** One change: the incident after it, and before (null when it did not exist). */
export interface IncidentChange {
  before: Incident;
  incident: Incident;
  /** False when it already was so (no version bump, no event). */
  changed: boolean;
}

export type RoleName = keyof IncidentRoles;
export const ROLE_NAMES: readonly RoleName[] = ['lead', 'comms', 'scribe'];

/**
 * Incidents in the store (src/store/incident-repository.ts). Every change bumps the incident's
 * version and records its timeline event (with the incident id) in the same transaction, so the
 * timeline never misses a change and never shows one that did not happen. Methods that change an
 * incident return null when there is no such incident.
 */
export interface IncidentStore {
  /** Idempotent per source: INSERT … ON CONFLICT (source) DO NOTHING, then read. */
  declare(input: DeclareInput, ctx: ChangeContext): Promise<DeclareResult>;
  get(id: string): Promise<Incident | null>;
  /** The incident whose own channel this is (open or resolved), or null. */
  byChannel(platform: string, channelId: string): Promise<Incident | null>;
  /** The incident an alert group opened or joined (open or resolved), or null. */
  byAlertGroup(groupId: string): Promise<Incident | null>;
  /** The open incident about a service (its own `service` or a linked alert group's), the most severe, then the newest; or null. */
  openByService(service: string): Promise<Incident | null>;
  /** Open incidents, newest first. */
  listOpen(limit?: number): Promise<Incident[]>;
  setStatus(id: string, status: IncidentStatus, ctx: ChangeContext, note?: string | null): Promise<IncidentChange | null>;
  setSeverity(id: string, severity: Severity, ctx: ChangeContext): Promise<IncidentChange | null>;
  setRole(id: string, role: RoleName, holder: Actor | null, ctx: ChangeContext): Promise<IncidentChange | null>;
  /** Where it runs in chat: its own channel, or the incidents channel when creating one failed. */
  setChannel(id: string, channel: IncidentChannel, ctx: ChangeContext): Promise<IncidentChange | null>;
  /** Sets the service it is about: mutating commands on it elsewhere count for it while it is open. */
  setService(id: string, service: string, ctx: ChangeContext): Promise<IncidentChange | null>;
  /** Links an alert group (and marks the group's card for an update on these platforms). */
  linkAlertGroup(id: string, groupId: string, ctx: ChangeContext, platforms?: readonly string[]): Promise<IncidentChange | null>;
  addActionItem(id: string, text: string, ctx: ChangeContext): Promise<ActionItem | null>;
  listActionItems(id: string): Promise<ActionItem[]>;
  /**
   * A status update (`/incident update`): its event, and the next status reminder counted from now.
   * `public`: also published to the status page, in the same transaction. False when there is no such incident.
   */
  recordUpdate(id: string, text: string, ctx: ChangeContext, opts?: { public?: boolean }): Promise<boolean>;
  /**
   * Reminders due at `now` that nobody holds, claimed for `holdMs` under `claimId` (FOR UPDATE SKIP
   * LOCKED: two replicas never claim one). A claim that expires unsent is claimed again.
   */
  claimDueReminders(now: Date, claimId: string, holdMs: number, limit?: number): Promise<DueReminder[]>;
  /**
   * The claimed reminder was sent (or is moot): a lead nudge is done, a status reminder is due again
   * one interval later. `sent` (null when nothing was posted) becomes its timeline event. False when
   * the claim was lost meanwhile (a change rescheduled it).
   */
  finishReminder(r: DueReminder, claimId: string, now: Date, sent: { text: string; lead: string | null } | null): Promise<boolean>;
}

/** The stored message ref key of an incident's pinned summary card. */
export const summaryMessageKey = (incidentId: string) => `incident:${incidentId}:summary`;
/** The announcement in the incidents channel (with Join). */
export const announcementMessageKey = (incidentId: string) => `incident:${incidentId}:announcement`;
