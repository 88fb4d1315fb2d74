/**
 * Paging on-call for an incident (`ports.paging`: PagerDuty's Events API v2 when alerts.pagerduty
 * is configured): trigger when an incident of `incidents.paging.severities` is declared or raised
 * to one, resolve when it is resolved if a page was sent, both with `dedup_key` = the incident id.
 * Each page is recorded (`incident.paged`, ok or failed), so resolving never claims to resolve a
 * page that was never sent. A failure is one sentence the caller posts in the incident's channel;
 * it never stops the declare or the resolve.
 */
import { pageSeverity, PagingError } from '../core/paging-port.js';
import type { ChangeContext } from './incident-store.js';
import type { IncidentDeps } from './incident-messages.js';
import type { Incident } from './model.js';
import { severityLabel } from './summary-card.js';

/** Whether this incident pages: its severity is configured and a pager is (alerts.pagerduty). */
export function pages(incident: Incident, deps: IncidentDeps): boolean {
  return !!deps.ports.paging && deps.config.incidents.paging.severities.includes(incident.severity);
}

const why = (deps: IncidentDeps, err: unknown) => deps.ports.redactor.redact(err instanceof PagingError || err instanceof Error ? err.message : String(err));

/** Called once, by the replica that declared (or raised) it, when pages() is true. Null when paged, else what failed. */
export async function pageOnDeclare(incident: Incident, deps: IncidentDeps, by: ChangeContext): Promise<string | null> {
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
  } catch (err) {
    const problem = `On-call was not paged through ${pager.name}: ${why(deps, err)}`;
    await recordPage(incident, deps, by, false, problem);
    return problem;
  }
  await recordPage(incident, deps, by, true, `On-call was paged through ${pager.name} at ${severityLabel(incident.severity)}.`);
  return null;
}

/** Kept even while the store is away (recordOrKeep): whether a page went out decides what resolving does. */
async function recordPage(incident: Incident, deps: IncidentDeps, by: ChangeContext, ok: boolean, text: string): Promise<void> {
  await deps.ports.timeline
    .recordOrKeep({ invocationId: by.invocationId, incidentId: incident.id, kind: 'incident.paged', actor: by.actor, channel: by.channel, text, outcome: ok ? 'ok' : 'failed', detail: { severity: incident.severity } })
    .catch(() => 'kept');
}

/**
 * Whether a page for this incident got through (so there is one to resolve). An incident declared
 * before pages were recorded has no `incident.paged` event: then its declared severity decides.
 */
export async function wasPaged(incident: Incident, deps: IncidentDeps): Promise<boolean> {
  const events = await deps.ports.timeline.list({ incidentId: incident.id, limit: 100_000 });
  const pagedEvents = events.filter((e) => e.kind === 'incident.paged');
  if (pagedEvents.length > 0) return pagedEvents.some((e) => e.outcome === 'ok');
  const declared = events.find((e) => e.kind === 'incident.declared');
  const severity = declared?.detail.severity;
  return typeof severity === 'string' && (deps.config.incidents.paging.severities as readonly string[]).includes(severity);
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
