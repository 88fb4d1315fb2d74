/**
 * Escalation (the runbooks' "acknowledge within 5 minutes"): while a group fires and nobody has
 * acknowledged it, each step of alerts.escalation whose time has come mentions its people in the
 * group's channel and/or pages PagerDuty. Every replica runs the job; each step is claimed in the
 * store (AlertStore.markEscalated, which records alert.escalated and marks the card dirty), so it
 * happens once whichever replicas are alive. Acknowledge stops it: acknowledged groups are no
 * longer candidates, and a page already sent is acknowledged in PagerDuty too (syncPaging).
 */
import { createHash } from 'node:crypto';
import type { EscalationStepConfig } from '../config/alerts-schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { ChannelTarget } from '../core/chat-port.js';
import type { Actor } from '../core/identity.js';
import { pageSeverity, type PagingPort } from '../core/paging-port.js';
import type { Reply, ReplyMention } from '../core/reply.js';
import type { AlertsPorts } from './ports.js';
import { duration } from '../core/text-format.js';
import { groupMessageKey } from './alert-store.js';
import { escalationClock, heldBy, windowsBetween } from './maintenance.js';
import type { AlertGroup } from './model.js';
import { drillMarked, isDrill } from './drill-alert.js';

export const ESCALATION_ACTOR: Actor = { platform: 'system', id: 'escalation', name: 'escalation' };

/** Often enough that "after 5 min" means 5 min, not 6; each tick is one indexed query. */
export const DEFAULT_ESCALATION_INTERVAL_MS = 5_000;

/** What escalation uses: the alert store (the lead's ports.alerts), chat, timeline and the pager. */
export type EscalationPorts = Pick<AlertsPorts, 'chat' | 'timeline' | 'logger' | 'redactor' | 'messageRefs' | 'paging' | 'alerts' | 'maintenance'>;

/**
 * The pager's key for a group: its group key, so one PagerDuty incident per alert group that stays
 * the same across Firebreak's store being rebuilt (a row id would start again at 1 and join an old
 * incident). A group key longer than PagerDuty's 255 characters is hashed.
 */
export function pagingDedupKey(group: Pick<AlertGroup, 'groupKey'>): string {
  return group.groupKey.length <= 255 ? group.groupKey : `firebreak-alert-${createHash('sha256').update(group.groupKey).digest('hex')}`;
}

/** "slack:S0ONCALL", "discord:&123", "console:bob" (the config's syntax) as a Reply mention. */
export function mentionFromConfig(entry: string): ReplyMention {
  const sep = entry.indexOf(':');
  const platform = entry.slice(0, sep);
  const id = entry.slice(sep + 1);
  if (platform === 'slack') return { platform, kind: id.startsWith('S') ? 'group' : 'user', id };
  if (platform === 'discord' && id.startsWith('&')) return { platform, kind: 'group', id: id.slice(1) };
  return { platform, kind: 'user', id };
}

/**
 * A mention entry as people read it, for text that names whom a step would call on without calling
 * them (a drill): "@bob" as the console shows a mention, "the Slack user group S0ONCALL", "Slack
 * member U024BE7LH", "the Discord role 1234…", "Discord user 1234…". Not the platform's own syntax:
 * on Slack that syntax would ping, and neither platform's handle is known without asking it.
 */
export function mentionLabel(entry: string): string {
  const m = mentionFromConfig(entry);
  if (m.platform === 'console') return `@${m.id}`;
  const platform = m.platform === 'slack' ? 'Slack' : m.platform === 'discord' ? 'Discord' : m.platform;
  if (m.kind === 'group') return `the ${platform} ${m.platform === 'slack' ? 'user group' : 'role'} ${m.id}`;
  return `${platform} ${m.platform === 'slack' ? 'member' : 'user'} ${m.id}`;
}

/** Whether escalation has anything to do: alerts.escalation lists at least one step. */
export function escalationConfigured(config: FirebreakConfig): boolean {
  return config.alerts.escalation.length > 0;
}

/** Whether a step is for this group's severity (an empty list: every severity). */
function appliesTo(step: EscalationStepConfig, group: AlertGroup): boolean {
  if (step.severities.length === 0) return true;
  const s = group.severity?.toLowerCase();
  return s !== undefined && step.severities.some((x) => x.toLowerCase() === s);
}

/** Step indexes in the order they fall due (after_min, then as listed). */
function stepOrder(steps: readonly EscalationStepConfig[]): number[] {
  return steps.map((_, i) => i).sort((a, b) => steps[a]!.after_min - steps[b]!.after_min || a - b);
}

/**
 * The steps of `group` that are due at `now`, not done yet, for its severity, in order. Pure.
 * `from`: when its escalation clock started (the end of a maintenance window it fired in); default when it first fired.
 */
export function dueSteps(config: FirebreakConfig, group: AlertGroup, now: Date, from: Date = group.firstFiredAt): number[] {
  const steps = config.alerts.escalation;
  const firing = now.getTime() - from.getTime();
  return stepOrder(steps).filter((i) => !group.escalated.includes(i) && appliesTo(steps[i]!, group) && firing >= steps[i]!.after_min * 60_000);
}

function groupName(group: AlertGroup): string {
  return group.service ? `${group.alertname} (${group.service})` : group.alertname;
}

/** The time left until the next step is due (not the gap between the steps: this step may have run late). */
function escalatesIn(leftMs: number): string {
  return leftMs < 60_000 ? 'within a minute' : `in ${duration(leftMs, 'escalation')}`;
}

export type PageResult = { ok: true } | { ok: false; problem: string } | null;

/** The step's message in the group's channel: who is mentioned, what was paged, what comes next. */
export function escalationMessage(config: FirebreakConfig, group: AlertGroup, step: number, now: Date, page: PageResult, opts: { drill?: boolean } = {}): Reply {
  const steps = config.alerts.escalation;
  const s = steps[step]!;
  const order = stepOrder(steps).filter((i) => appliesTo(steps[i]!, group));
  const position = order.indexOf(step);
  const next = order[position + 1];
  const lines: string[] = [];
  if (page?.ok) lines.push('Paged PagerDuty.');
  if (page && !page.ok) lines.push(`PagerDuty could not be paged: ${page.problem}`);
  const summary = group.commonAnnotations.summary;
  if (summary) lines.push(summary);
  // A drill says whom it would call on and calls on nobody (src/alerts/drill.ts).
  if (opts.drill && s.mention.length > 0) lines.push(`Would mention ${s.mention.map(mentionLabel).join(', ')} (not mentioned: this is a drill).`);
  if (opts.drill && s.pagerduty && page === null) lines.push('Would page PagerDuty (not paged: this drill does not page).');
  lines.push(
    next === undefined
      ? 'Acknowledge it on the card.'
      : `Acknowledge it on the card, or it escalates ${escalatesIn(group.firstFiredAt.getTime() + steps[next]!.after_min * 60_000 - now.getTime())}${steps[next]!.pagerduty && !s.pagerduty ? ' to PagerDuty' : ''}.`,
  );
  return {
    title: drillMarked(group, `${groupName(group)} unacknowledged for ${duration(now.getTime() - group.firstFiredAt.getTime(), 'escalation')}`),
    status: page && !page.ok ? 'error' : 'warning',
    text: lines.join('\n'),
    mentions: opts.drill ? [] : s.mention.map(mentionFromConfig),
    context: `Escalation step ${position + 1} of ${order.length} · fired ${group.firstFiredAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  };
}

export interface StepDone {
  groupId: string;
  step: number;
  /** Platforms the message was posted on. */
  posted: string[];
  page: PageResult;
}

/**
 * One pass: every due step of every firing, unacknowledged, unsilenced group, claimed and done.
 * A step another replica claimed first stops this replica's work on that group for this pass, so
 * the steps of a group appear in order. Once `stopping()` says so, no further step is claimed (the
 * ones claimed are done). Never throws; what failed is logged (and, for pages, said).
 */
export async function runEscalation(config: FirebreakConfig, ports: EscalationPorts, now: Date, opts: { stopping?: () => boolean } = {}): Promise<StepDone[]> {
  const steps = config.alerts.escalation;
  if (steps.length === 0) return [];
  const earliest = Math.min(...steps.map((s) => s.after_min));
  let groups: AlertGroup[];
  try {
    groups = await ports.alerts.unacknowledgedFiring(new Date(now.getTime() - earliest * 60_000), config.alerts.escalation.length);
  } catch (err) {
    ports.logger.error({ err: ports.redactor.redact(String(err)) }, `escalation could not read the firing alert groups: ${ports.redactor.redact(String(err))}; it tries again on the next tick`);
    return [];
  }
  const platforms = ports.chat.announcers().map((p) => p.platform);
  // Maintenance windows since the oldest candidate fired: a group held now waits, one whose window
  // ended escalates counting from the end. Unreadable windows: escalate as if there were none
  // (a page too many beats a page missed).
  const oldest = groups.reduce((t, g) => Math.min(t, g.firstFiredAt.getTime()), now.getTime());
  const windows = await windowsBetween(config, ports.maintenance, new Date(oldest), now).catch((err: unknown) => {
    ports.logger.error({ err: ports.redactor.redact(String(err)) }, `escalation could not read the maintenance windows: ${ports.redactor.redact(String(err))}; escalating as if none were on`);
    return [];
  });
  const perGroup = await Promise.all(
    groups
      // A drill's group escalates through the drill itself, which says whom it would mention (drillEscalation).
      .filter((g) => g.status === 'firing' && !g.acknowledged && !(g.silence && g.silence.until > now) && !isDrill(g))
      .filter((g) => !heldBy(windows, g.service, now))
      .map(async (group) => {
        const done: StepDone[] = [];
        for (const step of dueSteps(config, group, now, escalationClock(windows, group.service, group.firstFiredAt, now))) {
          // Shutting down: what is not claimed yet is left to the replicas that stay.
          if (opts.stopping?.()) break;
          let claimed: boolean;
          try {
            claimed = await ports.alerts.markEscalated(group.id, step, platforms);
          } catch (err) {
            ports.logger.error({ group: group.id, step, err: ports.redactor.redact(String(err)) }, `escalation step ${step} of alert group ${group.id} could not be claimed; it is tried again on the next tick`);
            break;
          }
          // Another replica is on it (or it was acknowledged or resolved just now).
          if (!claimed) break;
          done.push(await performStep(config, ports, group, step, now));
        }
        return done;
      }),
  );
  return perGroup.flat();
}

async function performStep(config: FirebreakConfig, ports: EscalationPorts, group: AlertGroup, step: number, now: Date, drill?: { page: boolean }): Promise<StepDone> {
  const s = config.alerts.escalation[step]!;
  let page: PageResult = null;
  if (s.pagerduty && (!drill || drill.page)) page = await trigger(ports, group, step, now);
  const reply = escalationMessage(config, group, step, now, page, { drill: drill !== undefined });
  const posted: string[] = [];
  for (const port of ports.chat.announcers()) {
    try {
      await port.postMessage(await channelOf(ports, group, port.platform), reply);
      posted.push(port.platform);
    } catch (err) {
      ports.logger.error(
        { group: group.id, step, platform: port.platform, err: ports.redactor.redact(String(err)) },
        `escalation step ${step + 1} of ${groupName(group)} could not be posted in #${group.channel} on ${port.platform}: ${ports.redactor.redact(String(err))}`,
      );
    }
  }
  return { groupId: group.id, step, posted, page };
}

/** Where the card is (its stored ref), else the group's channel by name. */
async function channelOf(ports: EscalationPorts, group: AlertGroup, platform: string): Promise<ChannelTarget> {
  const stored = await ports.messageRefs.get(groupMessageKey(group.id), platform).catch(() => null);
  return stored?.ref ? { id: stored.ref.channelId } : { name: group.channel };
}

function pagingMissing(): string {
  return 'alerts.pagerduty is not configured, so nothing was paged.';
}

async function trigger(ports: EscalationPorts, group: AlertGroup, step: number, now: Date): Promise<PageResult> {
  const paging = ports.paging;
  const key = pagingDedupKey(group);
  if (!paging) {
    await recordPage(ports, group, 'trigger', { ok: false, problem: pagingMissing() }, step);
    return { ok: false, problem: pagingMissing() };
  }
  const runbook = group.commonAnnotations.runbook_url;
  const result = await attempt(paging, (p) =>
    p.trigger({
      dedupKey: key,
      summary: `${isDrill(group) ? 'DRILL: ' : ''}${groupName(group)} unacknowledged for ${duration(now.getTime() - group.firstFiredAt.getTime(), 'escalation')}${group.commonAnnotations.summary ? `: ${group.commonAnnotations.summary}` : ''}`,
      source: group.service ?? 'firebreak',
      severity: pageSeverity(group.severity),
      timestamp: group.firstFiredAt,
      details: { ...(isDrill(group) ? { drill: 'true' } : {}), alertname: group.alertname, ...(group.service ? { service: group.service } : {}), ...(group.severity ? { severity: group.severity } : {}), channel: group.channel, group_key: group.groupKey },
      ...(runbook && /^https?:\/\//.test(runbook) ? { links: [{ href: runbook, text: 'Runbook' }] } : {}),
    }),
  );
  await recordPage(ports, group, 'trigger', result, step);
  return result;
}

async function attempt(paging: PagingPort, call: (p: PagingPort) => Promise<void>): Promise<{ ok: true } | { ok: false; problem: string }> {
  try {
    await call(paging);
    return { ok: true };
  } catch (err) {
    return { ok: false, problem: err instanceof Error ? err.message : String(err) };
  }
}

async function recordPage(ports: EscalationPorts, group: AlertGroup, action: 'trigger' | 'acknowledge' | 'resolve', result: { ok: true } | { ok: false; problem: string }, step?: number): Promise<void> {
  const problem = result.ok ? null : ports.redactor.redact(result.problem);
  if (problem) ports.logger.error({ group: group.id, action }, `PagerDuty ${action} for ${groupName(group)} failed: ${problem}`);
  await ports.timeline
    .record({
      invocationId: groupMessageKey(group.id),
      incidentId: group.incidentId,
      kind: 'alert.paged',
      actor: ESCALATION_ACTOR,
      text: `PagerDuty ${action} for ${groupName(group)}`,
      outcome: result.ok ? 'ok' : 'failed',
      output: problem,
      detail: { group: group.id, action, dedupKey: pagingDedupKey(group), ...(step !== undefined ? { step } : {}) },
    })
    .catch((err: unknown) => ports.logger.error({ group: group.id, err: ports.redactor.redact(String(err)) }, `could not record the PagerDuty ${action} of alert group ${group.id}`));
}

/** One escalation step as a drill went through it. */
export interface DrillStepDone extends StepDone {
  /** Its number among the steps for the group's severity (1-based), and when it would have come. */
  position: number;
  afterMin: number;
  mention: string[];
  /** The step pages PagerDuty (whether it did is `page`). */
  pages: boolean;
}

/**
 * A drill's escalation (src/alerts/drill.ts): every step for the group's severity, in order, now
 * rather than after its minutes, each message saying whom it would mention and mentioning nobody;
 * PagerDuty is paged (its summary saying DRILL) only when `page`. A step is claimed in the store
 * like a real one (its alert.escalated event, marked DRILL) unless it would page and the drill
 * does not page: resolving the drill then leaves PagerDuty alone (syncPaging sees no paging step).
 */
export async function drillEscalation(config: FirebreakConfig, ports: EscalationPorts, group: AlertGroup, opts: { page: boolean; onStep?: (s: DrillStepDone) => Promise<void> | void }): Promise<{ steps: DrillStepDone[]; of: number; stopped: boolean }> {
  const steps = config.alerts.escalation;
  const order = stepOrder(steps).filter((i) => appliesTo(steps[i]!, group));
  const platforms = ports.chat.announcers().map((p) => p.platform);
  const out: DrillStepDone[] = [];
  for (const [n, step] of order.entries()) {
    const s = steps[step]!;
    // The message reads as it would at the step's time ("unacknowledged for 5 min").
    const at = new Date(group.firstFiredAt.getTime() + s.after_min * 60_000);
    if (!s.pagerduty || opts.page) {
      // Acknowledged (or resolved) meanwhile: escalation stops there, as it would for a real alert.
      if (!(await ports.alerts.markEscalated(group.id, step, platforms))) return { steps: out, of: order.length, stopped: true };
    } else {
      await ports.timeline.record({
        invocationId: groupMessageKey(group.id),
        incidentId: group.incidentId,
        service: group.service,
        kind: 'alert.escalated',
        actor: ESCALATION_ACTOR,
        text: drillMarked(group, `${group.alertname}: escalation step ${step + 1} (would page PagerDuty; this drill does not page)`),
        outcome: 'skipped',
        detail: { group: group.id, groupKey: group.groupKey, step },
      });
    }
    const done = await performStep(config, ports, group, step, at, { page: opts.page });
    const d: DrillStepDone = { ...done, position: n + 1, afterMin: s.after_min, mention: s.mention, pages: s.pagerduty };
    out.push(d);
    await opts.onStep?.(d);
  }
  return { steps: out, of: order.length, stopped: false };
}

export type PagingSyncOutcome = 'not-paged' | 'unchanged' | 'acknowledged' | 'resolved' | 'failed';

/**
 * Keeps PagerDuty in step with the card: a group that was paged (an escalation step with
 * pagerduty: true is done) and is now resolved is resolved in PagerDuty; acknowledged, it is
 * acknowledged there. Call it once per transition — after AlertStore.acknowledge returned
 * `first: true`, and after ingest returned transition "resolved" — with the group as stored then.
 * A failure is recorded (alert.paged, failed) and said in the group's channel. Never throws.
 */
export async function syncPaging(ports: EscalationPorts, config: FirebreakConfig, group: AlertGroup): Promise<PagingSyncOutcome> {
  const paged = group.escalated.some((i) => config.alerts.escalation[i]?.pagerduty);
  if (!paged) return 'not-paged';
  const action = group.status === 'resolved' ? 'resolve' : group.acknowledged ? 'acknowledge' : null;
  if (!action) return 'unchanged';
  const result = ports.paging ? await attempt(ports.paging, (p) => (action === 'resolve' ? p.resolve(pagingDedupKey(group)) : p.acknowledge(pagingDedupKey(group)))) : { ok: false as const, problem: pagingMissing() };
  await recordPage(ports, group, action, result);
  if (result.ok) return action === 'resolve' ? 'resolved' : 'acknowledged';
  const what = action === 'resolve' ? 'resolved' : `acknowledged by ${group.acknowledged?.by.name ?? 'someone'}`;
  const reply: Reply = {
    title: `PagerDuty was not told that ${groupName(group)} was ${what}`,
    status: 'error',
    text: `${ports.redactor.redact(result.problem)} ${action === 'resolve' ? 'Resolve' : 'Acknowledge'} the PagerDuty incident for ${groupName(group)} by hand.`,
  };
  for (const port of ports.chat.announcers()) {
    await port
      .postMessage(await channelOf(ports, group, port.platform), reply)
      .catch((err: unknown) => ports.logger.error({ group: group.id, platform: port.platform, err: ports.redactor.redact(String(err)) }, `${reply.title}, and that could not be said in #${group.channel} either`));
  }
  return 'failed';
}

/**
 * The escalation job of one replica: a pass every `intervalMs` (a pass still running when the next
 * is due is not doubled). Every replica runs one; the store makes each step happen once.
 */
export class EscalationJob implements BackgroundWorker {
  readonly name = 'escalation';
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<StepDone[]> | null = null;
  private readonly now: () => Date;
  private readonly intervalMs: number;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: EscalationPorts,
    opts: { now?: () => Date; intervalMs?: number } = {},
  ) {
    this.now = opts.now ?? (() => new Date());
    this.intervalMs = opts.intervalMs ?? DEFAULT_ESCALATION_INTERVAL_MS;
  }

  /** False (nothing scheduled) when alerts.escalation is empty; main.ts does not build the job then. */
  start(): boolean {
    if (!escalationConfigured(this.config) || this.timer) return false;
    this.stopped = false;
    this.timer = setInterval(() => void this.tick(), this.intervalMs);
    this.timer.unref();
    return true;
  }

  /** One pass now (tests drive the job with this and an injected clock). */
  tick(): Promise<StepDone[]> {
    if (this.running) return this.running.then(() => []);
    this.running = runEscalation(this.config, this.ports, this.now(), { stopping: () => this.stopped }).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Claims no further step; the steps already claimed are done (a claimed step cannot be handed back). */
  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
