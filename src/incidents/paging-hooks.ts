/**
 * Paging on-call for an incident (PagerDuty Events API v2, `dedup_key` = the incident id): trigger
 * when an incident of a configured severity (`incidents.paging.severities`) is declared, resolve
 * when it is resolved. Failures are sentences the caller posts in the incident's channel.
 */
import type { IncidentDeps } from './incident-messages.js';
import type { Incident } from './model.js';

/** Whether declaring this incident pages: its severity is configured and PagerDuty is (alerts.pagerduty). */
export function pages(incident: Incident, deps: IncidentDeps): boolean {
  return !!deps.config.alerts.pagerduty && deps.config.incidents.paging.severities.includes(incident.severity);
}

/**
 * LEAD: wire the PagerDuty client (src/integrations/pagerduty, issue 10's escalation helper) here:
 * `trigger` with dedup_key = incident.id, summary `${incident.id} ${incident.title}`, severity from
 * incident.severity. Called once, by the replica that declared it, only when pages() is true.
 * Returns null when paged, else one sentence saying what failed (posted in the channel).
 */
export async function pageOnDeclare(_incident: Incident, _deps: IncidentDeps): Promise<string | null> {
  return null;
}

/** LEAD: the `resolve` event for dedup_key = incident.id, when the incident was paged. Same contract as pageOnDeclare. */
export async function resolvePage(_incident: Incident, _deps: IncidentDeps): Promise<string | null> {
  return null;
}
