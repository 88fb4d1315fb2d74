import type { IngestResult } from '../alerts/alert-store.js';
/**
 * Incidents from alerts: the Open incident button on an alert card, an alert route with
 * `incident: sev1` (declared by the system when the group first fires), and later alert groups of
 * the same service joining the incident that is open for it. The source is the alert group, so one
 * group opens one incident however often, and from however many replicas, it is asked to.
 */
import type { AlertGroup } from '../alerts/model.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import { incidentToJoin, mayJoinOpenIncident } from './alert-links.js';
import { declareIncident, type Declared } from './declare.js';
import type { IncidentDeps } from './incident-messages.js';
import { refreshIncident } from './incident-messages.js';
import { parseSeverity, type Incident, type Severity } from './model.js';

/** Who declares an incident for an alert route: the alerting system, with nobody leading until someone takes it. */
export const ALERTS_ACTOR: Actor = { platform: 'system', id: 'alerts', name: 'alerts' };

/** Alertmanager's usual severity labels: critical → SEV1, error/major → SEV2, warning → SEV3, info → SEV4. */
function severityFromLabel(label: string | null): Severity | null {
  switch ((label ?? '').toLowerCase()) {
    case 'critical':
    case 'page':
      return 'sev1';
    case 'error':
    case 'major':
    case 'high':
      return 'sev2';
    case 'warning':
    case 'minor':
      return 'sev3';
    case 'info':
    case 'low':
      return 'sev4';
    default:
      return null;
  }
}

/** Title and severity from the alert: "HighErrorRate on api: 5xx above 5%"; the route's `incident:` severity first. */
export function alertIncidentDraft(config: FirebreakConfig, group: AlertGroup): { title: string; severity: Severity; service: string | null } {
  const route = group.route !== null ? config.alerts.routes[group.route] : undefined;
  const severity = parseSeverity(route?.incident ?? '') ?? parseSeverity(group.severity ?? '') ?? severityFromLabel(group.severity) ?? config.incidents.default_severity;
  const summary = group.commonAnnotations.summary ?? group.commonAnnotations.title;
  const title = `${group.alertname}${group.service ? ` on ${group.service}` : ''}${summary ? `: ${summary}` : ''}`.slice(0, 150);
  return { title, severity, service: group.service };
}

export function declareForAlertGroup(deps: IncidentDeps, group: AlertGroup, who: { by: Actor; lead: Actor | null; platform: string; invocationId: string; from: ChannelRef | null }): Promise<Declared> {
  const draft = alertIncidentDraft(deps.config, group);
  const cardPlatforms = deps.ports.chat.announcers().map((p) => p.platform);
  return declareIncident(deps, { source: `alert-group:${group.id}`, ...draft, alertGroups: [group.id], cardPlatforms, declaredBy: who.by, lead: who.lead, platform: who.platform, invocationId: who.invocationId, from: who.from });
}

/**
 * Called (through reactToAlert) when a group first fires: declares its incident when the
 * matched route says `incident: sevN`, on the first platform that speaks for the system. Null when
 * the route declares none.
 */
export async function declareFromRoute(deps: IncidentDeps, group: AlertGroup): Promise<Declared | null> {
  const route = group.route !== null ? deps.config.alerts.routes[group.route] : undefined;
  if (!route?.incident) return null;
  const platform = deps.ports.chat.announcers()[0]?.platform ?? 'console';
  return declareForAlertGroup(deps, group, { by: ALERTS_ACTOR, lead: null, platform, invocationId: `alert-group:${group.id}`, from: null });
}

/**
 * Called (through reactToAlert) for a group that fired while an incident is open for its service: the group is linked
 * to that incident (its later events carry the incident id, the summary card lists it). Posting the
 * group's card into the incident channel is the alert card's (outbox) business: it can read
 * group.incidentId. Returns the incident it joined, or null.
 */
export async function linkToOpenIncident(deps: IncidentDeps, group: AlertGroup): Promise<Incident | null> {
  if (!mayJoinOpenIncident(group)) return null;
  const open = incidentToJoin(group, await deps.ports.incidents.listOpen());
  if (!open) return null;
  const platforms = deps.ports.chat.announcers().map((p) => p.platform);
  const change = await deps.ports.incidents.linkAlertGroup(open.id, group.id, { actor: ALERTS_ACTOR, invocationId: `alert-group:${group.id}` }, platforms);
  if (change?.changed) await refreshIncident(deps, change.before, change.incident);
  return change?.incident ?? null;
}

/**
 * The incidents' reaction to a stored alert notification: a group that opened (or fired again) on a
 * route with `incident:` declares its incident (once per group, whichever replica); any firing group
 * joins the open incident of its service.
 */
export async function reactToAlert(deps: IncidentDeps, result: IngestResult): Promise<void> {
  const { group, transition } = result;
  if (group.status !== 'firing') return;
  // An incident already open for its service takes it; only otherwise does a route declare a new one.
  // The store said none was open as it stored the group: nothing to look for.
  if (result.serviceIncidentOpen !== false && (await linkToOpenIncident(deps, group))) return;
  if (transition === 'opened' || transition === 'refired') await declareFromRoute(deps, group);
}
