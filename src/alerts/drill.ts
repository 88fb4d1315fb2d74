/**
 * Drills (`/drill [ROUTE] [--page] [--incident]`, `drills:`): a synthetic alert sent through the
 * real alert path, hop by hop, each hop timed:
 *
 *   stored (the webhooks' own ingestion) → card posted (by the alert outbox, on every announcing
 *   platform) → each escalation step (mentions said, not made; PagerDuty only with --page) →
 *   incident declared (only with --incident) → cleanup: alert resolved, card shown resolved,
 *   incident resolved (unless kept).
 *
 * Everything it produces says DRILL (src/alerts/drill-alert.ts). What each hop took goes into the
 * report (a Reply, shown as it grows), firebreak_drill_hop_seconds and one `drill.reported`
 * timeline event. The cleanup runs whatever failed before it, so a drill leaves no firing card
 * and no open incident behind (unless asked to keep the incident); if the process running it dies
 * first, the drill sweep (src/alerts/drill-sweep.ts) cleans up instead.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor } from '../core/identity.js';
import { renderedHash } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import { duration } from '../core/text-format.js';
import { groupMessageKey, type IngestResult } from './alert-store.js';
import { currentCard } from './current-card.js';
import { DRILL_MARK, drillNotification, type DrillAlert } from './drill-alert.js';
import { drillEscalation, mentionLabel, type DrillStepDone } from './escalation.js';
import type { AlertGroup } from './model.js';
import type { AlertsPorts } from './ports.js';

/** The hops, as firebreak_drill_hop_seconds labels them. */
export type DrillHopName = 'stored' | 'card_posted' | 'escalation_step' | 'incident_declared' | 'alert_resolved' | 'card_resolved' | 'incident_resolved';

export interface DrillHop {
  hop: DrillHopName;
  ok: boolean;
  /** How long it took; null when it did not happen (skipped, or failed before it could be timed). */
  ms: number | null;
  /** One line: "webhook stored alert group 42 in 12 ms". */
  text: string;
}

/** Declaring and resolving the drill's incident: the incidents room implements it (src/incidents/drill-incident.ts). */
export interface DrillIncidents {
  declare(group: AlertGroup, by: Actor, invocationId: string): Promise<{ id: string; where: string | null; problems: string[] }>;
  /** Resolves it (nothing to do when it is already resolved); `note` says why (default: the drill is over). */
  resolve(id: string, by: Actor, invocationId: string, note?: string): Promise<{ problem: string | null }>;
}

export interface DrillOptions {
  /** The route as typed (its number, alertname or service), or undefined for no route. */
  route?: string;
  page: boolean;
  incident: boolean;
  keepIncident: boolean;
}

export interface DrillDeps {
  config: FirebreakConfig;
  ports: AlertsPorts;
  /** The webhooks' ingestion (ingestNotification), which may also wake the outbox worker. */
  ingest: (n: ReturnType<typeof drillNotification>) => Promise<IngestResult>;
  incidents?: DrillIncidents;
  metrics?: { drillHop(hop: DrillHopName, seconds: number): void };
  /** How long the outbox has to post (and later update) the card. */
  cardWaitMs?: number;
  pollMs?: number;
}

export interface DrillRun {
  alert: DrillAlert;
  actor: Actor;
  /** The timeline invocation of the report (the /drill command's, or the schedule slot's). */
  invocationId: string;
  /** The scheduled drill's name, when it has one. */
  name?: string;
  /** Called with the report each time a hop completes. */
  show?: (report: Reply) => Promise<void>;
}

export interface DrillResult {
  ok: boolean;
  hops: DrillHop[];
  report: Reply;
  groupId: string | null;
  incidentId: string | null;
}

export const DEFAULT_DRILL_CARD_WAIT_MS = 60_000;

/** How a hop is named in a report line ("the drill stopped at its card posted hop"). */
const HOP_WORDS: Record<DrillHopName, string> = {
  stored: 'webhook stored',
  card_posted: 'card posted',
  escalation_step: 'escalation',
  incident_declared: 'incident declared',
  alert_resolved: 'alert resolved',
  card_resolved: 'card resolved',
  incident_resolved: 'incident resolved',
};

const seconds = (ms: number) => duration(Math.round(ms), 'tenths');

/** Polls `probe` until it returns true or the deadline passes. */
async function waitUntil(probe: () => Promise<boolean>, deadlineMs: number, pollMs: number): Promise<boolean> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await probe().catch(() => false)) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function routeText(config: FirebreakConfig, alert: DrillAlert): string {
  if (alert.route === null) return 'no route (the default channel)';
  const r = config.alerts.routes[alert.route]!;
  const what = r.match.alertname ?? r.match.service ?? Object.entries(alert.labels).filter(([k]) => k !== 'severity').map(([k, v]) => `${k}=${v}`)[0];
  return `route ${alert.route + 1}${what ? ` (${what})` : ''}`;
}

/** The report as it stands: one line per hop, what was paged, what is left. */
export function drillReport(config: FirebreakConfig, run: Pick<DrillRun, 'alert' | 'actor' | 'name'>, hops: readonly DrillHop[], state: { done: boolean; paged: boolean; page: boolean; totalMs: number }): Reply {
  const failed = hops.filter((h) => !h.ok).length;
  const name = run.name ? ` ${run.name}` : '';
  const title = !state.done
    ? `${DRILL_MARK}${name}: running…`
    : failed === 0
      ? `${DRILL_MARK}${name}: the alert path works (${seconds(state.totalMs)})`
      : `${DRILL_MARK}${name}: ${failed} hop${failed === 1 ? '' : 's'} failed`;
  const lines = hops.map((h) => `${h.ok ? '✅' : '❌'} ${h.text}`);
  if (state.done) lines.push(state.paged ? 'PagerDuty was paged (its summary says DRILL); resolving the alert resolves the page.' : state.page ? 'Nothing was paged: no escalation step for this severity pages PagerDuty.' : 'Nothing was paged (--page pages PagerDuty for real).');
  return {
    title,
    status: !state.done ? 'info' : failed === 0 ? 'ok' : 'error',
    text: lines.join('\n') || 'Sending the synthetic alert…',
    context: `drill ${run.alert.id} · ${routeText(config, run.alert)} · by ${run.actor.name}`,
  };
}

/** Runs one drill to the end; never throws (a failure is a failed hop), and always cleans up. */
export async function runDrill(deps: DrillDeps, run: DrillRun, opts: DrillOptions): Promise<DrillResult> {
  const { config, ports } = deps;
  const cardWaitMs = deps.cardWaitMs ?? DEFAULT_DRILL_CARD_WAIT_MS;
  const pollMs = deps.pollMs ?? 200;
  const hops: DrillHop[] = [];
  const started = Date.now();
  let paged = false;
  let groupId: string | null = null;
  let cardPosted = false;
  let incidentId: string | null = null;
  const why = (err: unknown) => ports.redactor.redact(err instanceof Error ? err.message : String(err));
  const state = (done: boolean) => ({ done, paged, page: opts.page, totalMs: Date.now() - started });
  const hop = async (h: DrillHop) => {
    hops.push(h);
    if (h.ok && h.ms !== null) deps.metrics?.drillHop(h.hop, h.ms / 1000);
    await run.show?.(drillReport(config, run, hops, state(false))).catch((err: unknown) => ports.logger.warn({ err: why(err) }, 'a drill report could not be updated'));
  };
  const platforms = () => ports.chat.announcers().map((p) => p.platform);
  // Kept on the alert itself, so the drill sweep leaves the incident open too if this process dies.
  const alert: DrillAlert = opts.incident && opts.keepIncident ? { ...run.alert, keepIncident: true } : run.alert;

  /** Waits until every announcing platform shows the group's card as the store has it now (posted, or updated to it). */
  const cardShown = async (id: string, posted: boolean) =>
    waitUntil(
      async () => {
        const card = await currentCard(ports.alerts, config, id, new Date());
        if (!card) return false;
        const want = renderedHash(card.reply);
        for (const p of platforms()) {
          const stored = await ports.messageRefs.get(groupMessageKey(id), p);
          if (!stored?.ref) return false;
          if (!posted && stored.renderedHash !== want) return false;
        }
        return true;
      },
      cardWaitMs,
      pollMs,
    );

  /** The hop under way: a failure nothing more local caught (the store, on a read between hops) is reported under it. */
  let current: DrillHopName = 'stored';
  try {
    await forward();
  } catch (err) {
    await hop({ hop: current, ok: false, ms: null, text: `the drill stopped at its ${HOP_WORDS[current]} hop: ${why(err)}` });
  }
  await cleanup();
  return finish();

  async function forward(): Promise<void> {
    // 1. The webhooks' ingestion: stored, routed, card marked to be shown, in one transaction.
    let t = Date.now();
    let group: AlertGroup;
    try {
      const r = await deps.ingest(drillNotification(alert, 'firing', new Date()));
      group = r.group;
      groupId = group.id;
      await hop({ hop: 'stored', ok: true, ms: Date.now() - t, text: `webhook stored alert group ${group.id} in #${group.channel} in ${seconds(Date.now() - t)}` });
    } catch (err) {
      await hop({ hop: 'stored', ok: false, ms: null, text: `the alert could not be stored: ${why(err)}` });
      return;
    }

    // 2. The outbox posts its card on every announcing platform.
    current = 'card_posted';
    t = Date.now();
    const posted = await cardShown(group.id, true);
    cardPosted = posted;
    await hop(
      posted
        ? { hop: 'card_posted', ok: true, ms: Date.now() - t, text: `card posted on ${platforms().join(', ')} in ${seconds(Date.now() - t)}` }
        : { hop: 'card_posted', ok: false, ms: null, text: `card not posted on ${platforms().join(', ')} within ${seconds(cardWaitMs)}: is the alert outbox running (firebreak start)?` },
    );

    // 3. Escalation, every step now, as its message would read at its time.
    current = 'escalation_step';
    const now = (await ports.alerts.get(group.id)) ?? group;
    if (now.maintenance) {
      await hop({ hop: 'escalation_step', ok: true, ms: null, text: `escalation held: ${now.service ?? 'its service'} is in maintenance window #${now.maintenance.id}, so no step would run until it ends` });
    } else if (config.alerts.escalation.length === 0) {
      await hop({ hop: 'escalation_step', ok: true, ms: null, text: 'no escalation steps are configured (alerts.escalation): nobody would be called on' });
    } else {
      let stepStart = Date.now();
      try {
        const r = await drillEscalation(config, ports, now, {
          page: opts.page,
          onStep: async (s: DrillStepDone) => {
            const ms = Date.now() - stepStart;
            if (s.page?.ok) paged = true;
            await hop({ hop: 'escalation_step', ok: s.posted.length > 0 && (s.page === null || s.page.ok), ms, text: stepText(s, ms, opts.page) });
            stepStart = Date.now();
          },
        });
        if (r.stopped) await hop({ hop: 'escalation_step', ok: true, ms: null, text: `escalation stopped after ${r.steps.length} of ${r.of} steps: the card was acknowledged (or resolved) meanwhile` });
        else if (r.of === 0) await hop({ hop: 'escalation_step', ok: true, ms: null, text: `no escalation step is for severity ${now.severity ?? '(none)'}: nobody would be called on` });
      } catch (err) {
        await hop({ hop: 'escalation_step', ok: false, ms: null, text: `escalation failed: ${why(err)}` });
      }
    }

    // 4. The incident, only when asked.
    if (opts.incident) {
      current = 'incident_declared';
      t = Date.now();
      if (!deps.incidents) {
        await hop({ hop: 'incident_declared', ok: false, ms: null, text: 'no incident could be declared: incidents are not available here' });
      } else {
        try {
          const d = await deps.incidents.declare((await ports.alerts.get(group.id)) ?? now, run.actor, run.invocationId);
          incidentId = d.id;
          const ms = Date.now() - t;
          await hop({ hop: 'incident_declared', ok: d.problems.length === 0, ms, text: `incident ${d.id} declared${d.where ? ` in #${d.where}` : ''} in ${seconds(ms)}${d.problems.length > 0 ? ` (${d.problems.join(' ')})` : ''}` });
        } catch (err) {
          await hop({ hop: 'incident_declared', ok: false, ms: null, text: `the incident could not be declared: ${why(err)}` });
        }
      }
    }
  }

  async function cleanup(): Promise<void> {
    if (groupId === null) return;
    let t = Date.now();
    let resolved = false;
    try {
      await deps.ingest(drillNotification(alert, 'resolved', new Date()));
      resolved = true;
      await hop({ hop: 'alert_resolved', ok: true, ms: Date.now() - t, text: `alert resolved in ${seconds(Date.now() - t)}` });
    } catch (err) {
      await hop({ hop: 'alert_resolved', ok: false, ms: null, text: `the alert could not be resolved: ${why(err)}; it stays firing until the drill sweep resolves it (and its incident, unless kept), within 5½ minutes of the drill’s start` });
    }
    // A card never posted cannot be seen to resolve; waiting for it again would only repeat the failed hop.
    if (resolved && cardPosted) {
      t = Date.now();
      const shown = await cardShown(groupId, false);
      await hop(shown ? { hop: 'card_resolved', ok: true, ms: Date.now() - t, text: `card shows it resolved in ${seconds(Date.now() - t)}` } : { hop: 'card_resolved', ok: false, ms: null, text: `card not updated to resolved within ${seconds(cardWaitMs)}` });
    }
    if (incidentId !== null && deps.incidents) {
      if (opts.keepIncident) {
        await hop({ hop: 'incident_resolved', ok: true, ms: null, text: `incident ${incidentId} kept open, as asked: resolve it with /incident resolve` });
        return;
      }
      t = Date.now();
      try {
        const r = await deps.incidents.resolve(incidentId, run.actor, run.invocationId);
        await hop({ hop: 'incident_resolved', ok: r.problem === null, ms: Date.now() - t, text: `incident ${incidentId} resolved in ${seconds(Date.now() - t)}${r.problem ? ` (${r.problem})` : ''}` });
      } catch (err) {
        await hop({ hop: 'incident_resolved', ok: false, ms: null, text: `incident ${incidentId} could not be resolved: ${why(err)}` });
      }
    }
  }

  async function finish(): Promise<DrillResult> {
    const report = drillReport(config, run, hops, state(true));
    const ok = hops.length > 0 && hops.every((h) => h.ok);
    await ports.timeline
      .record({
        invocationId: run.invocationId,
        incidentId,
        kind: 'drill.reported',
        actor: run.actor,
        text: report.title,
        output: report.text ?? null,
        outcome: ok ? 'ok' : 'failed',
        detail: {
          drill: run.alert.id,
          ...(run.name ? { name: run.name } : {}),
          route: run.alert.route,
          page: opts.page,
          paged,
          ...(groupId ? { group: groupId } : {}),
          hops: hops.map((h) => ({ hop: h.hop, ok: h.ok, ms: h.ms, text: h.text })),
        },
      })
      .catch((err: unknown) => ports.logger.error({ err: why(err), drill: run.alert.id }, 'the drill report could not be recorded on the timeline'));
    return { ok, hops, report, groupId, incidentId };
  }
}

function stepText(s: DrillStepDone, ms: number, page: boolean): string {
  const when = `after ${s.afterMin} min`;
  const who = s.mention.length > 0 ? `would mention ${s.mention.map(mentionLabel).join(', ')}` : null;
  const pd = !s.pages ? null : s.page === null ? (page ? 'would page PagerDuty' : 'would page PagerDuty (not paged without --page)') : s.page.ok ? 'paged PagerDuty (DRILL)' : `PagerDuty page failed: ${s.page.problem}`;
  const what = [who, pd].filter(Boolean).join(' and ');
  const posted = s.posted.length > 0 ? `posted in ${seconds(ms)}` : 'its message could not be posted';
  return `escalation step ${s.position} ${what} ${when} (${posted})`;
}
