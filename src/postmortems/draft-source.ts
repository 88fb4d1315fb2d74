import type { AlertStore } from '../alerts/alert-store.js';
import type { Timeline, TimelineEvent } from '../core/timeline.js';
import type { ActionItem, Incident } from '../incidents/model.js';
import type { DraftInput } from './draft-input.js';

/**
 * Where a draft's input comes from: the incident, its timeline (with its alert groups' events),
 * alert groups and action items, as they are now. Null when there is no such incident.
 */
export interface DraftSource {
  load(incidentId: string): Promise<DraftInput | null>;
}

/** What a draft is loaded from: the incident store's reads (IncidentStore has them). */
export interface IncidentReads {
  get(id: string): Promise<Incident | null>;
  listActionItems(incidentId: string): Promise<ActionItem[]>;
}

/** Enough for the 50,000-event incident the draft is benchmarked with, and then some. */
const MAX_EVENTS = 200_000;

/**
 * The timeline a draft reads: the incident's own events, and those of its alert groups. The alert
 * that opened an incident was received (and maybe acknowledged) before the incident existed, so its
 * rows carry no incident id; without them "detected" would fall back to the declaration. So do the
 * steps of a diagnosis run on arrival (found through the group's `alert.diagnosis` rows). Alert
 * rows after the incident resolved are left out.
 */
export async function draftEvents(timeline: Timeline, incident: Incident): Promise<TimelineEvent[]> {
  const lists = await Promise.all([
    timeline.list({ incidentId: incident.id, limit: MAX_EVENTS }),
    ...incident.alertGroups.map((g) => timeline.list({ invocationId: `alert-group:${g}`, limit: MAX_EVENTS })),
  ]);
  // A diagnosis of a group runs under its own invocation, perhaps before the incident existed: the
  // group's `alert.diagnosis` row names it (src/procedures/alert-diagnosis.ts).
  const diagnoses = new Set<string>();
  for (const list of lists.slice(1)) for (const e of list) if (e.kind === 'alert.diagnosis' && typeof e.detail.invocation === 'string') diagnoses.add(e.detail.invocation);
  lists.push(...(await Promise.all([...diagnoses].map((invocationId) => timeline.list({ invocationId, limit: MAX_EVENTS })))));
  const byId = new Map<number, TimelineEvent>();
  // An alert group's later life (it fires again next week) is not this incident's.
  const until = incident.resolvedAt?.getTime() ?? Infinity;
  for (const list of lists) for (const e of list) if (e.incidentId === incident.id || e.at.getTime() <= until) byId.set(e.id, e);
  // Row ids follow commit order; two rows of one transaction share a time.
  return [...byId.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
}

/**
 * A DraftSource for GET /incidents/:id/postmortem.md and for filing: everything as it is now.
 * draftUrl makes the link to the full draft (signedUrl with the link secret, which is async).
 */
export function storeDraftSource(deps: { incidents: IncidentReads; timeline: Timeline; alerts: Pick<AlertStore, 'get'>; draftUrl?: (incidentId: string) => string | Promise<string>; now?: () => Date }): DraftSource {
  return {
    async load(incidentId: string): Promise<DraftInput | null> {
      const incident = await deps.incidents.get(incidentId);
      if (!incident) return null;
      const [events, groups, actionItems, draftUrl] = await Promise.all([
        draftEvents(deps.timeline, incident),
        Promise.all(incident.alertGroups.map((g) => deps.alerts.get(g))),
        deps.incidents.listActionItems(incident.id),
        deps.draftUrl?.(incident.id),
      ]);
      return {
        incident,
        events,
        alerts: groups.filter((g) => g !== null),
        actionItems,
        draftUrl,
        now: (deps.now ?? (() => new Date()))(),
      };
    },
  };
}
