/**
 * A drill's synthetic alert (`/drill`, `drills:`): an ordinary notification whose source is
 * "drill", so everything downstream can tell it apart — the card and the timeline say DRILL,
 * escalation says whom it would mention instead of mentioning, nothing pages unless the drill
 * asks, and no incident is declared or joined unless the drill declares its own. Pure.
 */
import type { FirebreakConfig } from '../config/schema.js';
import { drillRouteLabels } from '../config/drills-schema.js';
import type { AlertGroup, AlertNotification, AlertStatus } from './model.js';
import { routeFor } from './routing.js';

export const DRILL_SOURCE = 'drill' as const;
/** In front of every title and timeline line a drill produces. */
export const DRILL_MARK = '🧪 DRILL';

export const isDrill = (g: Pick<AlertGroup, 'source'> | Pick<AlertNotification, 'source'>): boolean => g.source === DRILL_SOURCE;

/** "🧪 DRILL · text" for drills, the text unchanged otherwise. */
export const drillMarked = (g: Pick<AlertGroup, 'source'>, text: string): string => (isDrill(g) ? `${DRILL_MARK} · ${text}` : text);

/** The group key of drill `id`: one group per drill. */
export const drillGroupKey = (id: string) => `drill:${id}`;

export interface DrillAlert {
  id: string;
  /** Index of the route it goes through, or null (the default channel). */
  route: number | null;
  labels: Record<string, string>;
  startsAt: Date;
  /** Who or what started it, for the card's text. */
  by: string;
  /**
   * The drill was asked to keep its incident open (--incident --keep): carried on the alert
   * (annotation DRILL_KEEP_INCIDENT) so the drill sweep, cleaning up after a runner that died, knows.
   */
  keepIncident?: boolean;
}

/** The annotation saying a drill's incident stays open at its end: read by the drill sweep, not shown on the card. */
export const DRILL_KEEP_INCIDENT = 'firebreak_drill_keep_incident';

export type DrillPlan = { ok: true; alert: DrillAlert } | { ok: false; why: string };

/**
 * The drill's alert for ROUTE (see drillRouteLabels), checked against routing: labels an earlier
 * route catches would drill that route instead, which is said rather than done.
 */
export function planDrillAlert(config: FirebreakConfig, word: string | undefined, id: string, by: string, now: Date): DrillPlan {
  const r = drillRouteLabels(config.alerts.routes, word);
  if (!r.ok) return r;
  const alert: DrillAlert = { id, route: r.route, labels: r.labels, startsAt: now, by };
  const routed = routeFor(config, drillNotification(alert, 'firing', now)).route;
  if (r.route !== null && routed !== r.route) {
    const labels = Object.entries(r.labels).map(([k, v]) => `${k}=${v}`).join(' ');
    return { ok: false, why: `An alert with route ${r.route + 1}'s labels (${labels}) is caught by route ${(routed ?? -1) + 1} first, so route ${r.route + 1} cannot be drilled: drill route ${(routed ?? -1) + 1}, or move route ${r.route + 1} before it.` };
  }
  return { ok: true, alert };
}

/** The notification the drill stores: firing when it starts, resolved when it cleans up. */
export function drillNotification(a: DrillAlert, status: AlertStatus, at: Date): AlertNotification {
  const annotations = {
    summary: `${DRILL_MARK}: a synthetic alert sent by ${a.by} to test the alert path; nothing is wrong.`,
    description: status === 'firing' ? 'It goes through the real path (stored, carded, escalated, optionally paged and declared) and resolves itself when the drill ends. Do not act on it.' : 'The drill is over.',
    ...(a.keepIncident ? { [DRILL_KEEP_INCIDENT]: 'true' } : {}),
  };
  return {
    source: DRILL_SOURCE,
    groupKey: drillGroupKey(a.id),
    status,
    receiver: null,
    groupLabels: { alertname: a.labels.alertname ?? 'FirebreakDrill' },
    commonLabels: a.labels,
    commonAnnotations: annotations,
    externalUrl: null,
    alerts: [
      {
        fingerprint: drillGroupKey(a.id),
        status,
        labels: a.labels,
        annotations,
        startsAt: a.startsAt,
        endsAt: status === 'resolved' ? at : null,
        generatorUrl: null,
      },
    ],
  };
}

/**
 * The resolution the drill sweep stores for a drill group whose runner stopped: the group's own
 * alert (labels, start, annotations) resolved, its description saying why. Built only from the
 * stored group, with `endsAt` the sweep's deadline rather than the time of the pass, so every
 * replica builds the same notification and the ones after the first are repeats, stored once.
 */
export function drillSweptNotification(g: AlertGroup, endsAt: Date): AlertNotification {
  const annotations = { ...g.commonAnnotations, description: 'The drill’s runner stopped before the drill ended; the drill sweep resolved it.' };
  return {
    source: DRILL_SOURCE,
    groupKey: g.groupKey,
    status: 'resolved',
    receiver: null,
    groupLabels: { alertname: g.alertname },
    commonLabels: g.commonLabels,
    commonAnnotations: annotations,
    externalUrl: null,
    alerts: [{ fingerprint: g.groupKey, status: 'resolved', labels: g.commonLabels, annotations, startsAt: g.firstFiredAt, endsAt, generatorUrl: null }],
  };
}

/** The drill id of a drill's group key (`drill:ID`). */
export const drillIdOf = (g: Pick<AlertGroup, 'groupKey'>): string => g.groupKey.replace(/^drill:/, '');
