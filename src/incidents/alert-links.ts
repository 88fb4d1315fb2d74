/**
 * Alert groups and incidents, decided without a database: which open incident a firing group joins
 * (the one about its service), and what linking a group to an incident changes.
 */
import type { AlertGroup } from '../alerts/model.js';
import type { IncidentChangeDecision } from './incident-changes.js';
import type { Incident } from './model.js';

/** Only a group that names its service and belongs to no incident yet may join an open one. */
export const mayJoinOpenIncident = (group: Pick<AlertGroup, 'service' | 'incidentId'>): boolean => Boolean(group.service) && !group.incidentId;

/** The open incident the group joins: the first (newest, as listed) about the group's service; null when none is. */
export function incidentToJoin(group: Pick<AlertGroup, 'service' | 'incidentId'>, open: readonly Incident[]): Incident | null {
  if (!mayJoinOpenIncident(group)) return null;
  return open.find((i) => i.service === group.service) ?? null;
}

/** Null when the group is linked already. Linking does not restart the status-reminder clock. */
export function alertGroupLink(before: Incident, groupId: string): IncidentChangeDecision | null {
  if (before.alertGroups.includes(groupId)) return null;
  return { restartsStatusClock: false, event: { kind: 'incident.alert-linked', text: `${before.id}: alert group ${groupId} linked`, detail: { group: groupId } } };
}
