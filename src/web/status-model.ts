import { createHash } from 'node:crypto';
import type { WatchedCheck } from '../alerts/health-watch.js';
import { isOn, windowEnd, type MaintenanceWindow } from '../alerts/maintenance.js';
import { windowName, type MaintenanceWindowConfig } from '../config/maintenance-schema.js';
import type { WebConfig } from '../config/web-schema.js';
import type { IncidentStatus } from '../incidents/model.js';
import type { PublicIncident } from '../incidents/public-updates.js';

/**
 * What the public status page says, built only from: the configured components (their display
 * names), the health watch's state of their checks, and incidents someone published an update on,
 * with those updates. An incident's title, people, notes and commands are never read here, so they
 * cannot leak: a published incident is named by the components it affects.
 *
 * Maintenance windows are shown by the components they cover and their times only: a window's
 * reason is typed by responders or written for them, so it never appears; a configured window's
 * `public_note` (written to be published) does. Services that are not components are not named.
 */
export type ComponentState = 'operational' | 'degraded' | 'outage' | 'maintenance' | 'unknown';
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

export interface StatusMaintenance {
  /** Stable across requests and replicas, names nothing internal: the stored id, or a hash of the configured window's name and its start. */
  key: string;
  /** The affected components' display names, in the components' order. */
  components: string[];
  startsAt: Date;
  /** When it ends: its planned end, or earlier when someone ended it early. */
  endsAt: Date;
  /** The configured window's `public_note`; null otherwise (the reason is never shown). */
  note: string | null;
}

export interface StatusModel {
  title: string;
  updatedAt: Date;
  components: StatusComponent[];
  /** Open published incidents first, then resolved ones, newest first. */
  incidents: StatusIncident[];
  /** Windows on now, the one ending first first. */
  maintenanceRunning: StatusMaintenance[];
  /** Windows starting within MAINTENANCE_AHEAD_DAYS, soonest first. */
  maintenanceUpcoming: StatusMaintenance[];
}

export const STATUS_DAYS = 90;
export const MAINTENANCE_AHEAD_DAYS = 7;
/** The title every window has on the page and in the feed. */
export const MAINTENANCE_TITLE = 'Scheduled maintenance';
const DAY = 86_400_000;
const dayOf = (d: Date) => Math.floor(d.getTime() / DAY);

function stateOf(checks: readonly string[], watched: ReadonlyMap<string, WatchedCheck>, openIncident: boolean, underMaintenance: boolean): ComponentState {
  // A published incident was said on purpose, so it still shows; the health watch's failures during the work are expected.
  if (openIncident) return 'degraded';
  if (underMaintenance) return 'maintenance';
  const known = checks.map((c) => watched.get(c)).filter((w): w is WatchedCheck => w !== undefined);
  if (known.some((w) => w.raised)) return 'outage';
  if (known.some((w) => w.failures > 0)) return 'degraded';
  return known.length > 0 ? 'operational' : 'unknown';
}

/** Which components a window covers: a component's own name (its service or datastore) or one of its checks among the window's services. */
const covers = (w: MaintenanceWindow, id: string, checks: readonly string[]) => w.services.includes(id) || checks.some((c) => w.services.includes(c));

const shortHash = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * The windows to show, from those on at some point in [now, now + 7 days]: running and upcoming,
 * each with the components it covers; a window covering no component is left out. Pure.
 */
export function statusMaintenance(web: WebConfig, maintenance: readonly MaintenanceWindowConfig[], windows: readonly MaintenanceWindow[], now: Date): { running: StatusMaintenance[]; upcoming: StatusMaintenance[] } {
  const notes = new Map(maintenance.map((w, i) => [windowName(w, i), w.public_note ?? null]));
  const horizon = new Date(now.getTime() + MAINTENANCE_AHEAD_DAYS * DAY);
  const components = Object.entries(web.status_page.components);
  const seen = new Set<string>();
  const shown = windows.flatMap((w): { w: MaintenanceWindow; s: StatusMaintenance }[] => {
    const end = windowEnd(w);
    if (end <= now || w.startsAt > horizon || end <= w.startsAt) return [];
    const names = components.filter(([id, c]) => covers(w, id, c.checks ?? [id])).map(([, c]) => c.name);
    if (names.length === 0) return [];
    const key = w.id ? `m${w.id}` : `c${shortHash(`${w.configName ?? ''}@${w.startsAt.toISOString()}`)}`;
    if (seen.has(key)) return [];
    seen.add(key);
    return [{ w, s: { key, components: names, startsAt: w.startsAt, endsAt: end, note: w.configName ? (notes.get(w.configName) ?? null) : null } }];
  });
  return {
    running: shown.filter(({ w }) => isOn(w, now)).map(({ s }) => s).sort((a, b) => a.endsAt.getTime() - b.endsAt.getTime()),
    upcoming: shown.filter(({ w }) => w.startsAt > now).map(({ s }) => s).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()),
  };
}

export function statusModel(
  web: WebConfig,
  watched: readonly WatchedCheck[],
  published: readonly PublicIncident[],
  now: Date,
  days = STATUS_DAYS,
  maintenance: { config: readonly MaintenanceWindowConfig[]; windows: readonly MaintenanceWindow[] } = { config: [], windows: [] },
): StatusModel {
  const byCheck = new Map(watched.map((w) => [w.check, w]));
  const running = maintenance.windows.filter((w) => isOn(w, now));
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
      state: stateOf(
        c.checks ?? [id],
        byCheck,
        mine.some((p) => p.incident.status !== 'resolved'),
        running.some((w) => covers(w, id, c.checks ?? [id])),
      ),
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
  const windows = statusMaintenance(web, maintenance.config, maintenance.windows, now);
  return { title: web.status_page.title, updatedAt: now, components, incidents, maintenanceRunning: windows.running, maintenanceUpcoming: windows.upcoming };
}

const maintenanceJson = (w: StatusMaintenance) => ({ id: w.key, title: MAINTENANCE_TITLE, components: w.components, starts_at: w.startsAt.toISOString(), ends_at: w.endsAt.toISOString(), note: w.note });

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
    maintenance: { running: m.maintenanceRunning.map(maintenanceJson), upcoming: m.maintenanceUpcoming.map(maintenanceJson) },
  };
}
