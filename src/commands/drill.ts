import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { defineAppCommand } from '../app/command.js';
import { runDrill } from '../alerts/drill.js';
import { planDrillAlert } from '../alerts/drill-alert.js';
import { ingestNotification } from '../alerts/ingest.js';
import { drillRouteNames } from '../config/drills-schema.js';
import type { Outcome } from '../core/outcome.js';
import { drillIncidents } from '../incidents/drill-incident.js';

/** Sending an alert into the team's channels (and, with --page, paging): on-call's call, as /maintenance is. */
export const DRILL_ROLE = 'responders';

const flag = z.union([z.boolean(), z.enum(['true', 'false'])]).optional();
const on = (v: boolean | 'true' | 'false' | undefined) => v === true || v === 'true';

/** A drill id people can read in the card's group key and the report: UTC time and a few random characters. */
export const drillId = (now: Date) => `${now.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}-${randomUUID().slice(0, 6)}`;

/**
 * `/drill [ROUTE] [--page] [--incident] [--keep]`: a synthetic alert through the real alert path,
 * each hop reported with its latency as it completes (src/alerts/drill.ts).
 */
export const drillCommand = defineAppCommand({
  name: 'drill',
  summary: 'Send a synthetic DRILL alert through the real alert path and report each hop’s latency',
  usage: '/drill [ROUTE] [--page] [--incident] [--keep]',
  params: [
    { name: 'route', description: 'The alert route: its number, or the alertname or service it matches (default: none)', type: 'string', choices: (config) => drillRouteNames(config.alerts.routes) },
    { name: 'page', description: 'Page PagerDuty for real (its summary says DRILL)', type: 'boolean' },
    { name: 'incident', description: 'Declare a DRILL incident too (resolved at the end)', type: 'boolean' },
    { name: 'keep', description: 'Keep the DRILL incident open at the end', type: 'boolean' },
  ],
  args: z.object({ route: z.string().max(200).optional(), page: flag, incident: flag, keep: flag }),
  role: DRILL_ROLE,
  // It posts, escalates and may page: mutating, so a retried delivery runs it once; no confirmation card.
  mutating: true,
  confirms: false,
  serviceOf: () => null,
  async run(ctx, args): Promise<Outcome> {
    const opts = { page: on(args.page), incident: on(args.incident), keepIncident: on(args.keep) };
    if (opts.keepIncident && !opts.incident) {
      return { status: 'invalid', reply: { title: '/drill: --keep needs --incident', status: 'error', text: '--keep keeps the drill’s incident open, so it needs --incident: /drill ROUTE --incident --keep.', ephemeral: true } };
    }
    const now = new Date();
    const plan = planDrillAlert(ctx.config, args.route, drillId(now), ctx.actor.name, now);
    if (!plan.ok) return { status: 'invalid', reply: { title: `/drill: cannot drill ${(args.route ?? '').slice(0, 40)}`, status: 'error', text: plan.why, ephemeral: true } };
    const r = await runDrill(
      {
        config: ctx.config,
        ports: ctx.ports,
        // Like a webhook, it wakes this process's outbox (when it has one), so the card hop is not a poll.
        ingest: async (n) => {
          const r = await ingestNotification(ctx.ports, ctx.config, n);
          if (r.stored) ctx.ports.outboxWake?.poke();
          return r;
        },
        incidents: drillIncidents(ctx.config, ctx.ports),
        ...(ctx.ports.drillMetrics ? { metrics: ctx.ports.drillMetrics } : {}),
      },
      { alert: plan.alert, actor: ctx.actor, invocationId: ctx.invocationId, show: (report) => ctx.progress(report) },
      { ...(args.route !== undefined ? { route: args.route } : {}), ...opts },
    );
    return { status: r.ok ? 'ok' : 'failed', reply: r.report };
  },
});
