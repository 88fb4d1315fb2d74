/**
 * A scripted incident for the post-mortem draft: the timeline rows the dispatcher, the confirmation
 * flow, the alert store and the incident commands record, with fixed times. Command outcomes come
 * from the real InvocationRecorder.event(); the confirm → start → finish rows copy the fields
 * ConfirmationFlow writes. Every row passes the real TimelineRecorder, so secrets are masked the
 * way they are in production, before the draft builder ever sees them.
 */
import type { AlertGroup } from '../../src/alerts/model.js';
import type { Actor, ChannelRef } from '../../src/core/identity.js';
import { InvocationRecorder, type FinishedOutcome } from '../../src/core/invocation-recorder.js';
import type { Invocation } from '../../src/core/invocation.js';
import { roleDenied } from '../../src/core/authorize.js';
import { Redactor } from '../../src/core/redact.js';
import { TimelineRecorder, type TimelineEvent, type TimelineEventInput, type TimelineFilter, type TimelineRepository } from '../../src/core/timeline.js';
import type { ActionItem, Incident } from '../../src/incidents/model.js';
import type { DraftInput } from '../../src/postmortems/draft-input.js';
import { matchesTimelineQuery, type TimelinePage, type TimelinePageQuery } from '../../src/core/timeline-query.js';

/** An in-memory timeline table: ids in order, `at` from the script's clock. */
export class ScriptedTimeline implements TimelineRepository {
  readonly events: TimelineEvent[] = [];
  private clock = new Date(0);

  at(iso: string | Date): this {
    this.clock = new Date(iso);
    return this;
  }

  async append(e: TimelineEventInput): Promise<TimelineEvent> {
    const row: TimelineEvent = {
      id: this.events.length + 1,
      at: this.clock,
      invocationId: e.invocationId,
      incidentId: e.incidentId ?? null,
      service: e.service ?? null,
      kind: e.kind,
      actor: { platform: e.actor.platform, id: e.actor.id, name: e.actor.name },
      channel: e.channel ? { platform: e.channel.platform, id: e.channel.id, name: e.channel.name } : null,
      command: e.command ?? null,
      text: e.text ?? null,
      argv: e.argv ?? null,
      exitCode: e.exitCode ?? null,
      outcome: e.outcome ?? null,
      output: e.output ?? null,
      durationMs: e.durationMs == null ? null : Math.round(e.durationMs),
      detail: e.detail ?? {},
    };
    this.events.push(row);
    return row;
  }

  async page(q: TimelinePageQuery): Promise<TimelinePage> {
    const all = matchesTimelineQuery(this.events, q);
    const from = (q.page - 1) * q.pageSize;
    return { events: all.slice(from, from + q.pageSize), more: all.length > from + q.pageSize };
  }

  async list(filter: TimelineFilter = {}): Promise<TimelineEvent[]> {
    return this.events
      .filter((e) => (filter.incidentId === undefined || e.incidentId === filter.incidentId) && (filter.invocationId === undefined || e.invocationId === filter.invocationId))
      .slice(0, filter.limit ?? 1000);
  }
}

export const T = (hms: string): string => `2026-11-25T${hms}.000Z`;

export const alice: Actor = { platform: 'slack', id: 'U01ALICE', name: 'alice' };
export const bob: Actor = { platform: 'slack', id: 'U02BOB', name: 'bob' };
export const carol: Actor = { platform: 'slack', id: 'U03CAROL', name: 'carol' };
export const mallory: Actor = { platform: 'slack', id: 'U09MAL', name: 'mallory' };
export const alertmanager: Actor = { platform: 'system', id: 'alertmanager', name: 'alertmanager' };
export const incChannel: ChannelRef = { platform: 'slack', id: 'C0INC7', name: 'inc-20261125-checkout-5xx' };

/** Values the config takes from the environment: the timeline must never store them. */
export const SECRETS = { cdnToken: 'cdn-tok-9f8e7d6c5b4a3210', cacheKey: 'ck_live_51HxQ2eZvKYlo2C0aIiX' };

export function baseIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-7',
    title: 'checkout 5xx',
    severity: 'sev2',
    status: 'resolved',
    roles: { lead: alice, comms: carol, scribe: null },
    declaredBy: bob,
    declaredAt: new Date(T('10:01:10')),
    source: 'alert-group:g1',
    channel: { platform: 'slack', id: incChannel.id, name: incChannel.name, own: true },
    alertGroups: ['g1', 'g2'],
    service: 'api',
    resolvedAt: new Date(T('10:30:00')),
    version: 14,
    ...overrides,
  };
}

export function alertGroup(overrides: Partial<AlertGroup> = {}): AlertGroup {
  return {
    id: 'g1',
    groupKey: '{}:{alertname="HighErrorRate"}',
    source: 'alertmanager',
    status: 'resolved',
    alertname: 'HighErrorRate',
    service: 'api',
    severity: 'critical',
    channel: 'alerts',
    route: 0,
    commonLabels: { alertname: 'HighErrorRate', service: 'api' },
    commonAnnotations: { summary: '5xx above 5% on api' },
    firstFiredAt: new Date(T('09:58:00')),
    lastChangeAt: new Date(T('10:20:00')),
    resolvedAt: new Date(T('10:20:00')),
    acknowledged: { by: { platform: bob.platform, id: bob.id, name: bob.name }, at: new Date(T('10:02:00')) },
    silence: { id: '8c1e4b2a', until: new Date(T('11:09:30')), by: 'bob' },
    escalated: [],
    incidentId: 'INC-7',
    version: 9,
    firingCount: 0,
    resolvedCount: 2,
    ...overrides,
  };
}

/** Records rows the way the production code does, through the real recorders. */
export class Script {
  readonly repo = new ScriptedTimeline();
  readonly redactor = new Redactor(Object.values(SECRETS));
  readonly timeline = new TimelineRecorder(this.repo, this.redactor);
  private readonly recorder = new InvocationRecorder(this.timeline, this.redactor);
  private n = 0;

  constructor(readonly incidentId: string | null = 'INC-7') {}

  at(hms: string): this {
    this.repo.at(T(hms));
    return this;
  }

  newInvocation(): string {
    return `inv-${String(++this.n).padStart(3, '0')}`;
  }

  inv(actor: Actor): Invocation {
    return { actor, channel: incChannel, input: { kind: 'text', text: '' }, incidentId: this.incidentId };
  }

  async record(e: Omit<TimelineEventInput, 'invocationId' | 'incidentId' | 'channel'> & { invocationId?: string; incidentId?: string | null }): Promise<TimelineEvent> {
    return this.timeline.record({ invocationId: e.invocationId ?? this.newInvocation(), incidentId: this.incidentId, channel: incChannel, ...e });
  }

  /** A command's one outcome row, exactly as InvocationRecorder.finish writes it. */
  async outcome(actor: Actor, command: string | null, text: string, outcome: FinishedOutcome, opts: { invocationId?: string; durationMs?: number; plannedArgv?: string[]; detail?: Record<string, string>; button?: boolean } = {}): Promise<string> {
    const id = opts.invocationId ?? this.newInvocation();
    const event = this.recorder.event(id, this.inv(actor), command, text, outcome, { plannedArgv: opts.plannedArgv, detail: opts.detail, button: opts.button });
    await this.timeline.record({ ...event, durationMs: event.durationMs ?? opts.durationMs ?? null });
    return id;
  }

  /** A mutating step's card (ConfirmationFlow.request). */
  async requestConfirmation(actor: Actor, command: string, text: string, plan: { title: string; argv: string[] }, confirmation: string): Promise<string> {
    return this.outcome(actor, command, text, { status: 'pending', reply: { title: plan.title, status: 'pending', code: plan.argv.join(' ') } }, { plannedArgv: plan.argv, detail: { confirmation, plan: plan.title } });
  }

  /** Confirm → action.started → progress → action.finished (ConfirmationFlow.confirm and executeUnderLease). */
  async confirmAndRun(
    invocationId: string,
    confirmer: Actor,
    requester: Actor,
    command: string,
    plan: { title: string; argv: string[] },
    confirmation: string,
    run: { progress: [string, string][]; finishAt: string; status: 'ok' | 'failed'; exitCode: number; durationMs: number; output: string; resultTitle: string },
  ): Promise<void> {
    const base = { invocationId, incidentId: this.incidentId, channel: incChannel, command, actor: confirmer, text: plan.title, argv: plan.argv };
    await this.timeline.record({ ...base, kind: 'confirmation.confirmed', detail: { confirmation, requestedBy: requester.name } });
    await this.timeline.record({ ...base, kind: 'action.started' });
    for (const [hms, line] of run.progress) {
      this.at(hms);
      await this.timeline.record({ invocationId, incidentId: this.incidentId, kind: 'action.progress', actor: confirmer, channel: incChannel, command, argv: null, output: line, detail: {} });
    }
    this.at(run.finishAt);
    await this.timeline.record({
      ...base,
      kind: 'action.finished',
      exitCode: run.exitCode,
      outcome: run.status,
      output: run.output,
      durationMs: run.durationMs,
      detail: { confirmation, confirmedBy: confirmer.name, title: run.resultTitle },
    });
  }

  /** An `/incident …` command: its domain row, then the command's own outcome row (one invocation). */
  async incidentCommand(actor: Actor, typed: string, title: string, row: Pick<TimelineEventInput, 'kind' | 'text' | 'detail'>): Promise<void> {
    const invocationId = this.newInvocation();
    await this.timeline.record({ invocationId, incidentId: this.incidentId, channel: incChannel, actor, command: 'incident', outcome: 'ok', ...row });
    await this.outcome(actor, 'incident', typed, { status: 'ok', reply: { title, status: 'ok' } }, { invocationId, durationMs: 40 });
  }

  async cancel(actor: Actor, command: string, planTitle: string, confirmation: string): Promise<void> {
    await this.outcome(actor, command, `(cancel) ${planTitle}`, { status: 'cancelled', reply: { title: `Cancelled: ${planTitle}`, status: 'info', text: `Cancelled by ${actor.name}. Nothing was run.` } }, { detail: { confirmation } });
  }

  denied(actor: Actor, command: string, text: string, role: string): Promise<string> {
    return this.outcome(actor, command, text, roleDenied(`/${command}`, role, actor), { durationMs: 3 });
  }
}

/**
 * The whole scripted incident: two alert groups, a declaration from the alert, a denied /scale, a
 * rollback requested by alice and confirmed by bob, a failed /run with a secret header, an HTTP
 * action with a secret in its URL, a cancelled second rollback, notes, 📌 messages with hostile
 * text, status changes, a severity change and action items.
 */
export async function scriptedIncident(): Promise<DraftInput> {
  const s = new Script();
  // The alert that opened the incident was received before the incident existed (incidentId null).
  s.at('10:00:05');
  await s.record({
    invocationId: 'alert-group:g1',
    incidentId: null,
    kind: 'alert.received',
    actor: alertmanager,
    text: 'HighErrorRate (api): 2 firing, 0 resolved — alertmanager',
    outcome: 'firing',
    detail: { group: 'g1', groupKey: '{}:{alertname="HighErrorRate"}', transition: 'opened', alerts: 2, severity: 'critical', channel: 'alerts' },
  });
  s.at('10:01:10');
  // The incident rows below are shaped as the incident store records them (text and detail).
  await s.record({ kind: 'incident.declared', actor: bob, text: 'INC-7 declared: checkout 5xx (sev3)', detail: { title: 'checkout 5xx', severity: 'sev3', source: 'alert-group:g1', lead: null, service: 'api', alertGroups: ['g1'] } });
  s.at('10:02:00');
  await s.record({ invocationId: 'alert-group:g1', kind: 'alert.acknowledged', actor: bob, text: 'HighErrorRate acknowledged by bob', outcome: 'ok', detail: { group: 'g1', groupKey: '{}:{alertname="HighErrorRate"}' } });
  s.at('10:03:00');
  await s.record({ kind: 'incident.role', actor: alice, text: 'INC-7 lead: alice', detail: { role: 'lead', from: null, to: 'alice', toId: 'slack:U01ALICE' } });
  s.at('10:03:20');
  await s.record({
    invocationId: 'alert-group:g2',
    kind: 'alert.received',
    actor: alertmanager,
    text: 'CheckoutLatencyHigh (checkout): 1 firing, 0 resolved — alertmanager',
    outcome: 'firing',
    detail: { group: 'g2', groupKey: '{}:{alertname="CheckoutLatencyHigh"}', transition: 'opened', alerts: 1, severity: 'warning', channel: 'alerts' },
  });
  s.at('10:04:00');
  await s.record({ kind: 'incident.severity', actor: alice, text: 'INC-7 sev3 → sev2', detail: { from: 'sev3', to: 'sev2' } });
  s.at('10:05:00');
  await s.outcome(bob, 'status', '/status api', { status: 'ok', reply: { title: 'api: 3/3 ready, revision 14 (api:2.14.0)', status: 'ok' } }, { durationMs: 412 });
  s.at('10:05:30');
  await s.incidentCommand(alice, '/incident status identified "bad deploy of api 2.14.0"', 'INC-7 is identified', {
    kind: 'incident.status',
    text: 'INC-7 investigating → identified: bad deploy of api 2.14.0',
    detail: { from: 'investigating', to: 'identified', note: 'bad deploy of api 2.14.0' },
  });
  s.at('10:06:00');
  await s.incidentCommand(carol, '/incident note "Error rate 38% on /checkout | started right after the 09:55 deploy of api 2.14.0"', "Noted on INC-7's timeline", {
    kind: 'note',
    text: 'Error rate 38% on /checkout | started right after the 09:55 deploy of api 2.14.0',
  });
  s.at('10:06:30');
  await s.record({
    kind: 'message.marked',
    actor: alice,
    text: '`kubectl logs` shows <b>OOMKilled</b> on api-7f9c ** see https://grafana.example.com/d/abc?x=1&y=2 cc @oncall-team\n# not a heading',
    detail: { author: { platform: 'slack', id: 'U04DAVE', name: 'dave' }, message: { channel: incChannel.id, ts: '1764064590.000100' } },
  });
  s.at('10:07:00');
  await s.denied(mallory, 'scale', '/scale api 40', 'responders');

  const rollback = { title: 'Roll back api from revision 14 (api:2.14.0) to 13 (api:2.13.2)?', argv: ['kubectl', '--context', 'prod', '-n', 'shop', 'rollout', 'undo', 'deployment/api', '--to-revision=13'] };
  s.at('10:08:00');
  const rb = await s.requestConfirmation(alice, 'rollback', '/rollback api', rollback, 'c0ffee00000000000001');
  s.at('10:08:40');
  await s.confirmAndRun(rb, bob, alice, 'rollback', rollback, 'c0ffee00000000000001', {
    progress: [
      ['10:08:41', 'Waiting for deployment "api" rollout to finish: 1 of 3 updated replicas are available...'],
      ['10:08:43', 'Waiting for deployment "api" rollout to finish: 2 of 3 updated replicas are available...'],
      ['10:08:44', 'deployment "api" successfully rolled out'],
    ],
    finishAt: '10:08:45',
    status: 'ok',
    exitCode: 0,
    durationMs: 4213,
    output: 'deployment.apps/api rolled back\n```\nnot the end of the block\n```',
    resultTitle: 'Rolled back api to revision 13',
  });

  s.at('10:09:30');
  await s.record({
    invocationId: 'alert-group:g1',
    kind: 'alert.silenced',
    actor: bob,
    text: 'HighErrorRate silenced until 2026-11-25T11:09:30.000Z by bob (silence 8c1e4b2a)',
    outcome: 'ok',
    detail: { group: 'g1', groupKey: '{}:{alertname="HighErrorRate"}', silence: '8c1e4b2a', until: '2026-11-25T11:09:30.000Z' },
  });

  // /run purge-cdn (confirm: false): action.started, then the command's outcome — it failed.
  s.at('10:10:00');
  const purge = s.newInvocation();
  const purgeArgv = ['curl', '-fsS', '-X', 'POST', '-H', `Authorization: Bearer ${SECRETS.cdnToken}`, 'https://cdn.example.com/purge?path=/checkout/*'];
  await s.record({ invocationId: purge, kind: 'action.started', actor: bob, command: 'run', argv: purgeArgv, output: null, detail: { action: 'purge-cdn' } });
  s.at('10:10:02');
  await s.outcome(bob, 'run', `/run purge-cdn path=/checkout/*`, {
    status: 'failed',
    reply: { title: 'purge-cdn failed (exit 22 after 1.3 s)', status: 'error', text: 'curl exited with 22.' },
    execution: { argv: purgeArgv, exitCode: 22, durationMs: 1310, output: `curl: (22) The requested URL returned error: 403\nsent Authorization: Bearer ${SECRETS.cdnToken}` },
  }, { invocationId: purge });

  // /run flush-cache: an HTTP action; its URL carries a key.
  s.at('10:11:00');
  const flush = s.newInvocation();
  const flushArgv = ['POST', `https://cache-admin.internal/flush?key=${SECRETS.cacheKey}&scope=checkout`];
  await s.record({ invocationId: flush, kind: 'action.started', actor: alice, command: 'run', argv: flushArgv, output: null, detail: { action: 'flush-cache' } });
  s.at('10:11:01');
  await s.outcome(alice, 'run', '/run flush-cache scope=checkout', {
    status: 'ok',
    reply: { title: 'flush-cache: done (HTTP 204 in 240 ms)', status: 'ok' },
    execution: { argv: flushArgv, exitCode: null, durationMs: 240, output: 'HTTP 204 No Content' },
  }, { invocationId: flush });

  s.at('10:12:00');
  await s.incidentCommand(alice, '/incident status monitoring "error rate back under 1%"', 'INC-7 is monitoring', {
    kind: 'incident.status',
    text: 'INC-7 identified → monitoring: error rate back under 1%',
    detail: { from: 'identified', to: 'monitoring', note: 'error rate back under 1%' },
  });
  s.at('10:13:00');
  await s.incidentCommand(carol, '/incident update "Checkout errors are back to baseline after the rollback; we are monitoring."', 'Status update posted', {
    kind: 'incident.update',
    text: 'Checkout errors are back to baseline after the rollback; we are monitoring.',
  });

  const again = { title: 'Roll back api from revision 13 (api:2.13.2) to 12 (api:2.13.1)?', argv: ['kubectl', '--context', 'prod', '-n', 'shop', 'rollout', 'undo', 'deployment/api', '--to-revision=12'] };
  s.at('10:15:00');
  await s.requestConfirmation(bob, 'rollback', '/rollback api', again, 'c0ffee00000000000002');
  s.at('10:15:20');
  await s.cancel(alice, 'rollback', again.title, 'c0ffee00000000000002');

  s.at('10:16:00');
  await s.record({ kind: 'message.marked', actor: carol, text: 'Payments provider confirms no issue on their side | ticket #4411', detail: { author: { platform: 'slack', id: 'U03CAROL', name: 'carol' } } });
  s.at('10:20:00');
  await s.record({
    invocationId: 'alert-group:g1',
    kind: 'alert.resolved',
    actor: alertmanager,
    text: 'HighErrorRate (api): 0 firing, 2 resolved — alertmanager',
    outcome: 'resolved',
    detail: { group: 'g1', groupKey: '{}:{alertname="HighErrorRate"}', transition: 'resolved', alerts: 2, severity: 'critical', channel: 'alerts' },
  });
  s.at('10:22:00');
  await s.record({ kind: 'incident.action-item', actor: alice, text: 'INC-7 action item: Add a canary step to the api deploy pipeline', detail: { item: '1', text: 'Add a canary step to the api deploy pipeline' } });
  s.at('10:23:00');
  await s.record({ kind: 'incident.action-item', actor: carol, text: 'INC-7 action item: Alert on checkout p99 latency, not only 5xx | owner: carol', detail: { item: '2', text: 'Alert on checkout p99 latency, not only 5xx | owner: carol' } });
  s.at('10:30:00');
  // Resolved from the summary card's button: the click's own row, and the status change.
  const resolve = s.newInvocation();
  await s.record({ invocationId: resolve, kind: 'incident.status', actor: alice, text: 'INC-7 monitoring → resolved', detail: { from: 'monitoring', to: 'resolved', note: null } });
  await s.outcome(alice, 'incident', '(button Resolve) INC-7', { status: 'ok', reply: { title: 'INC-7 resolved', status: 'ok' } }, { invocationId: resolve, durationMs: 35, button: true });

  const actionItems: ActionItem[] = [
    { id: '1', incidentId: 'INC-7', text: 'Add a canary step to the api deploy pipeline', by: alice, at: new Date(T('10:22:00')), done: false },
    { id: '2', incidentId: 'INC-7', text: 'Alert on checkout p99 latency, not only 5xx | owner: carol', by: carol, at: new Date(T('10:23:00')), done: true },
  ];
  return {
    incident: baseIncident(),
    events: s.repo.events,
    alerts: [
      alertGroup(),
      alertGroup({
        id: 'g2',
        groupKey: '{}:{alertname="CheckoutLatencyHigh"}',
        status: 'firing',
        alertname: 'CheckoutLatencyHigh',
        service: 'checkout',
        severity: 'warning',
        firstFiredAt: new Date(T('10:03:00')),
        lastChangeAt: new Date(T('10:03:20')),
        resolvedAt: null,
        acknowledged: null,
        silence: null,
        firingCount: 1,
        resolvedCount: 0,
      }),
    ],
    actionItems,
    draftUrl: 'https://firebreak.example.com/incidents/INC-7/postmortem.md?exp=1796207405&sig=3q2-7w',
    now: new Date(T('10:30:05')),
  };
}
