import type { WatchedCheck } from '../alerts/health-watch.js';
import type { WebConfig } from '../config/web-schema.js';
import type { IncidentStatus } from '../incidents/model.js';
import type { PublicIncident } from '../incidents/public-updates.js';

/**
 * What the public status page says, built only from: the configured components (their display
 * names), the health watch's state of their checks, and incidents someone published an update on,
 * with those updates. An incident's title, people, notes and commands are never read here, so they
 * cannot leak: a published incident is named by the components it affects.
 */
export type ComponentState = 'operational' | 'degraded' | 'outage' | 'unknown';
export type DayState = 'ok' | 'incident';

export interface StatusComponent {
  id: string;
  name: string;
  state: ComponentState;
  /** The last `days` days, oldest first: whether a published incident affected it that day (UTC). */
  days: { date: string; state: DayState }[];
}

export interface StatusIncident {
  id: string;
  /** "Checkout API", or "Our services" when it names no component. */
  affects: string;
  status: IncidentStatus;
  startedAt: Date;
  resolvedAt: Date | null;
  updates: { id: string; at: Date; text: string }[];
}

export interface StatusModel {
  title: string;
  updatedAt: Date;
  components: StatusComponent[];
  /** Open published incidents first, then resolved ones, newest first. */
  incidents: StatusIncident[];
}

export const STATUS_DAYS = 90;
const DAY = 86_400_000;
const dayOf = (d: Date) => Math.floor(d.getTime() / DAY);

function stateOf(checks: readonly string[], watched: ReadonlyMap<string, WatchedCheck>, openIncident: boolean): ComponentState {
  const known = checks.map((c) => watched.get(c)).filter((w): w is WatchedCheck => w !== undefined);
  if (known.some((w) => w.raised)) return 'outage';
  if (openIncident || known.some((w) => w.failures > 0)) return 'degraded';
  return known.length > 0 ? 'operational' : 'unknown';
}

export function statusModel(web: WebConfig, watched: readonly WatchedCheck[], published: readonly PublicIncident[], now: Date, days = STATUS_DAYS): StatusModel {
  const byCheck = new Map(watched.map((w) => [w.check, w]));
  const names = new Map(Object.entries(web.status_page.components).map(([id, c]) => [id, c.name]));
  const today = dayOf(now);
  const components = Object.entries(web.status_page.components).map(([id, c]): StatusComponent => {
    const mine = published.filter((p) => p.incident.service === id);
    const hit = new Set<number>();
    for (const p of mine) {
      const last = p.incident.resolvedAt ? dayOf(p.incident.resolvedAt) : today;
      for (let d = Math.max(dayOf(p.incident.declaredAt), today - days + 1); d <= Math.min(last, today); d++) hit.add(d);
    }
    return {
      id,
      name: c.name,
      state: stateOf(c.checks ?? [id], byCheck, mine.some((p) => p.incident.status !== 'resolved')),
      days: Array.from({ length: days }, (_, i) => {
        const d = today - days + 1 + i;
        return { date: new Date(d * DAY).toISOString().slice(0, 10), state: hit.has(d) ? 'incident' : 'ok' };
      }),
    };
  });
  const incidents = published
    .map(
      (p): StatusIncident => ({
        id: p.incident.id,
        affects: (p.incident.service && names.get(p.incident.service)) || 'Our services',
        status: p.incident.status,
        startedAt: p.incident.declaredAt,
        resolvedAt: p.incident.resolvedAt,
        updates: p.updates.map((u) => ({ id: u.id, at: u.publishedAt, text: u.text })),
      }),
    )
    .sort((a, b) => Number(a.status === 'resolved') - Number(b.status === 'resolved') || b.startedAt.getTime() - a.startedAt.getTime());
  return { title: web.status_page.title, updatedAt: now, components, incidents };
}

/** /status.json: the same model, plain. */
export function statusJson(m: StatusModel): unknown {
  return {
    title: m.title,
    updated_at: m.updatedAt.toISOString(),
    components: m.components.map((c) => ({ id: c.id, name: c.name, state: c.state, days: c.days })),
    incidents: m.incidents.map((i) => ({
      id: i.id,
      affects: i.affects,
      status: i.status,
      started_at: i.startedAt.toISOString(),
      resolved_at: i.resolvedAt?.toISOString() ?? null,
      updates: i.updates.map((u) => ({ at: u.at.toISOString(), text: u.text })),
    })),
  };
}
