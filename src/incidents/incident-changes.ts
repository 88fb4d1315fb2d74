/**
 * What a change to an incident means, decided without a database: whether it changes anything at
 * all ("already sev2" is no change: no version bump, no event), the timeline event that records it,
 * and whether it restarts the status-reminder clock. The store locks the row, asks here with the
 * incident as it is, and applies and records what comes back in the same transaction.
 */
import type { Actor } from '../core/identity.js';
import type { JsonValue } from '../core/outcome.js';
import type { TimelineKind } from '../core/timeline.js';
import type { RoleName } from './incident-store.js';
import type { ActionItem, Incident, IncidentChannel, IncidentStatus, Severity } from './model.js';

/** The timeline event a change records (the store adds the incident's new version to its detail). */
export interface IncidentEvent {
  kind: TimelineKind;
  text: string;
  detail: { [key: string]: JsonValue };
}

/** A change that does something: its event, and whether the next status reminder counts from now. */
export interface IncidentChangeDecision {
  event: IncidentEvent;
  /** A status or severity change: the lead was just heard from, so the status reminder starts over. */
  restartsStatusClock: boolean;
}

/** Null when it already has this status. `note` is null when none was given. */
export function statusChange(before: Incident, status: IncidentStatus, note: string | null): IncidentChangeDecision | null {
  if (before.status === status) return null;
  return {
    restartsStatusClock: true,
    event: {
      kind: 'incident.status',
      text: `${before.id} ${before.status} → ${status}${note !== null ? `: ${note}` : ''}`,
      detail: { from: before.status, to: status, note },
    },
  };
}

/** Null when it already has this severity. */
export function severityChange(before: Incident, severity: Severity): IncidentChangeDecision | null {
  if (before.severity === severity) return null;
  return {
    restartsStatusClock: true,
    event: { kind: 'incident.severity', text: `${before.id} ${before.severity} → ${severity}`, detail: { from: before.severity, to: severity } },
  };
}

/** Null when the role already has this holder (the same platform and id, whatever the name) or stays empty. */
export function roleChange(before: Incident, role: RoleName, holder: Actor | null): IncidentChangeDecision | null {
  const current = before.roles[role];
  if ((current === null && holder === null) || (current && holder && current.platform === holder.platform && current.id === holder.id)) return null;
  return {
    restartsStatusClock: false,
    event: {
      kind: 'incident.role',
      text: holder ? `${before.id} ${role}: ${holder.name}${current ? ` (was ${current.name})` : ''}` : `${before.id} ${role}: unassigned (was ${current?.name ?? 'nobody'})`,
      detail: { role, from: current?.name ?? null, to: holder?.name ?? null, toId: holder ? `${holder.platform}:${holder.id}` : null },
    },
  };
}

/** Null when it already runs in this channel (same platform, id, name and ownership). */
export function channelChange(before: Incident, channel: IncidentChannel): IncidentChangeDecision | null {
  const c = before.channel;
  if (c && c.platform === channel.platform && c.id === channel.id && c.own === channel.own && c.name === channel.name) return null;
  return {
    restartsStatusClock: false,
    event: {
      kind: 'incident.channel',
      text: channel.own ? `${before.id} runs in #${channel.name}` : `${before.id} runs in #${channel.name} (its own channel could not be created)`,
      detail: { platform: channel.platform, channelId: channel.id, name: channel.name, own: channel.own },
    },
  };
}

/** Null when it is already about this service (names are compared as the config keys are: lowercase). */
export function serviceChange(before: Incident, service: string): IncidentChangeDecision | null {
  if (before.service?.toLowerCase() === service.toLowerCase()) return null;
  return {
    restartsStatusClock: false,
    event: {
      kind: 'incident.service',
      text: before.service ? `${before.id} is about ${service} (was ${before.service})` : `${before.id} is about ${service}`,
      detail: { service, was: before.service },
    },
  };
}

/** The event of a new incident: `lead` is who leads from the start, `alertGroups` the groups that opened it. */
export function declaredEvent(incident: Incident, lead: Actor | null, alertGroups: readonly string[]): IncidentEvent {
  return {
    kind: 'incident.declared',
    text: `${incident.id} declared: ${incident.title} (${incident.severity})`,
    detail: { title: incident.title, severity: incident.severity, source: incident.source, lead: lead?.name ?? null, service: incident.service, alertGroups: [...alertGroups] },
  };
}

export function actionItemEvent(incident: Incident, item: ActionItem): IncidentEvent {
  return { kind: 'incident.action-item', text: `${incident.id} action item: ${item.text}`, detail: { item: item.id, text: item.text } };
}

/** A status update (`/incident update`) is its own text on the timeline; it restarts the status-reminder clock. */
export function updateEvent(text: string): IncidentEvent {
  return { kind: 'incident.update', text, detail: {} };
}
