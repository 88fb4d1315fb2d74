import { Cron } from 'croner';
import { z } from 'zod';
import type { AlertRouteConfig } from './alerts-schema.js';

/**
 * `drills:` — synthetic alerts sent through the real alert path on a schedule (src/alerts/drill.ts,
 * src/scheduler/drill-scheduler.ts): stored like a webhook's, carded, escalated (mentions said, not
 * made), optionally paging and declaring an incident, then cleaned up and reported in the incidents
 * channel.
 */
const drillSchema = z
  .object({
    /** Names the drill in its report, the timeline and its schedule slots. */
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be lowercase letters, digits, - and _'),
    /** When it runs, in UTC, five fields: "0 10 1 1,4,7,10 *" is 10:00 on the first day of each quarter. */
    cron: z
      .string()
      .min(1)
      .superRefine((s, ctx) => {
        if (s.trim().split(/\s+/).length !== 5) return void ctx.addIssue({ code: 'custom', message: 'must be a cron expression with 5 fields, e.g. "0 10 1 1,4,7,10 *" (quarterly, 10:00 UTC)' });
        try {
          new Cron(s, { paused: true, timezone: 'UTC' });
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: `"${s}" is not a valid cron expression (${err instanceof Error ? err.message : String(err)})` });
        }
      }),
    /** The alert route it drills, as /drill ROUTE takes it: its number (1 = the first), or the alertname or service its match names. Unset: no route's labels. */
    route: z.string().min(1).max(200).optional(),
    /** Page PagerDuty for real (its summary says DRILL), through the escalation steps that page. */
    page: z.boolean().default(false),
    /** Declare an incident for the drill's alert (titled DRILL, never paged), resolved at the end unless keep_incident. */
    incident: z.boolean().default(false),
    keep_incident: z.boolean().default(false),
  })
  .strict();
export type DrillConfig = z.infer<typeof drillSchema>;

export const drillsSchema = z.array(drillSchema).default([]);

export type DrillRoute = { ok: true; route: number | null; labels: Record<string, string> } | { ok: false; why: string };

/** Label values a drill can fill in for a match_re: a plain word that the pattern matches whole. */
const PLAIN = /^[A-Za-z0-9_.:-]+$/;

/** A value `pattern` matches, when one of its top-level alternatives is a plain word; else null. */
function fillPattern(pattern: string): string | null {
  const re = new RegExp(`^(?:${pattern})$`);
  for (const alt of pattern.split('|')) {
    if (PLAIN.test(alt) && re.test(alt)) return alt;
  }
  return null;
}

/** Routes as a person names them in /drill: "#2" or "2", or the alertname or service its match names (any case). */
export function findDrillRoute(routes: readonly AlertRouteConfig[], word: string): number | null {
  const w = word.trim().replace(/^#/, '');
  if (/^\d{1,4}$/.test(w)) {
    const i = Number(w) - 1;
    return i >= 0 && i < routes.length ? i : null;
  }
  const lower = w.toLowerCase();
  const i = routes.findIndex((r) => r.match.alertname?.toLowerCase() === lower || r.match.service?.toLowerCase() === lower);
  if (i >= 0) return i;
  // A match_re alertname alternative ("DiskUsageHigh|CertificateExpiring") names its route too.
  const j = routes.findIndex((r) => r.match_re.alertname !== undefined && r.match_re.alertname.split('|').some((a) => a.toLowerCase() === lower));
  return j >= 0 ? j : null;
}

/**
 * What people may write for ROUTE (the one-sentence error, Discord's choices): a name its match
 * gives, else its number — only for routes a drill can really use. A route whose match_re names no
 * plain value is left out (`/drill` refuses it), and a name that finds an earlier route is given as
 * the route's number instead.
 */
export function drillRouteNames(routes: readonly AlertRouteConfig[]): string[] {
  const names: string[] = [];
  routes.forEach((r, i) => {
    if (Object.values(r.match_re).some((pattern) => fillPattern(pattern) === null)) return;
    const alt = r.match_re.alertname?.split('|')[0];
    const name = r.match.alertname ?? r.match.service ?? (alt !== undefined && PLAIN.test(alt) ? alt : undefined);
    names.push(name !== undefined && findDrillRoute(routes, name) === i ? name : `#${i + 1}`);
  });
  return names;
}

/**
 * The labels of a drill's synthetic alert for `word` (or no route): the route's match labels, a
 * plain value for each match_re, alertname FirebreakDrill and severity critical unless the route
 * names them. Whether routing really sends them to that route is checked by the caller. Pure.
 */
export function drillRouteLabels(routes: readonly AlertRouteConfig[], word: string | undefined): DrillRoute {
  const base = { alertname: 'FirebreakDrill', severity: 'critical' };
  if (word === undefined || word.trim() === '') return { ok: true, route: null, labels: base };
  if (routes.length === 0) return { ok: false, why: 'No alert routes are configured (alerts.routes): run /drill without a route.' };
  const route = findDrillRoute(routes, word);
  if (route === null) {
    const names = drillRouteNames(routes);
    return { ok: false, why: `"${word.slice(0, 60)}" is not an alert route: name one by its number (1–${routes.length}) or by the alertname or service its match names${names.length > 0 ? ` (${names.join(', ')})` : ''}.` };
  }
  const r = routes[route]!;
  const labels: Record<string, string> = { ...base, ...r.match };
  for (const [k, pattern] of Object.entries(r.match_re)) {
    const v = fillPattern(pattern);
    if (v === null) return { ok: false, why: `Route ${route + 1} matches ${k} by the pattern "${pattern.slice(0, 80)}", which names no plain value a drill could use: add a plain alternative to it, or drill another route.` };
    labels[k] = v;
  }
  return { ok: true, route, labels };
}
