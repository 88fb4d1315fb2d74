/**
 * Paging on-call for an incident (`ports.paging`: PagerDuty's Events API v2 when alerts.pagerduty
 * is configured): trigger when an incident of `incidents.paging.severities` is declared, resolve
 * when it is resolved, both with `dedup_key` = the incident id. A failure is one sentence the
 * caller posts in the incident's channel; it never stops the declare or the resolve.
 */
import { pageSeverity, PagingError } from '../core/paging-port.js';
import type { IncidentDeps } from './incident-messages.js';
import type { Incident } from './model.js';
import { severityLabel } from './summary-card.js';

/** Whether this incident pages: its severity is configured and a pager is (alerts.pagerduty). */
export function pages(incident: Incident, deps: IncidentDeps): boolean {
  return !!deps.ports.paging && deps.config.incidents.paging.severities.includes(incident.severity);
}

const why = (deps: IncidentDeps, err: unknown) => deps.ports.redactor.redact(err instanceof PagingError || err instanceof Error ? err.message : String(err));

/** Called once, by the replica that declared it, when pages() is true. Null when paged, else what failed. */
export async function pageOnDeclare(incident: Incident, deps: IncidentDeps): Promise<string | null> {
  const pager = deps.ports.paging;
  if (!pager) return null;
  try {
    await pager.trigger({
      dedupKey: incident.id,
      summary: `${incident.id} (${severityLabel(incident.severity)}): ${incident.title}`,
      source: incident.service ?? 'firebreak',
      severity: pageSeverity(incident.severity),
      timestamp: incident.declaredAt,
      details: {
        incident: incident.id,
        declared_by: incident.declaredBy.name,
        ...(incident.channel ? { channel: `#${incident.channel.name} (${incident.channel.platform})` } : {}),
        ...(incident.service ? { service: incident.service } : {}),
      },
    });
    return null;
  } catch (err) {
    return `On-call was not paged through ${pager.name}: ${why(deps, err)}`;
  }
}

/** When a paged incident is resolved. Same contract as pageOnDeclare. */
export async function resolvePage(incident: Incident, deps: IncidentDeps): Promise<string | null> {
  const pager = deps.ports.paging;
  if (!pager) return null;
  try {
    await pager.resolve(incident.id);
    return null;
  } catch (err) {
    return `${pager.name} was not told that ${incident.id} is resolved: ${why(deps, err)}`;
  }
}
