import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EscalationJob, pagingDedupKey, syncPaging, type EscalationPorts } from '../../src/alerts/escalation.js';
import { SlackApi } from '../../src/chat/slack/api.js';
import { SlackChatPort } from '../../src/chat/slack/chat-port.js';
import { PagerDutyEvents } from '../../src/integrations/pagerduty/events-client.js';
import { Redactor } from '../../src/core/redact.js';
import { fireGroup, type TestAlert } from '../support/alerts.js';
import { SqlAlertStore } from '../../src/store/alert-repository.js';
import { alice, silentLogger, testApp } from '../support/app.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { startSlackFake, type FakeMessage, type SlackFake } from '../fakes/slack-api.js';
import type { App } from '../../src/main.js';
import { ChatPlatformDirectory } from '../../src/core/chat-directory.js';
import { TimelineRecorder } from '../../src/core/timeline.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { SqlMessageRefRepository } from '../../src/store/message-ref-repository.js';
import { SqlTimelineRepository } from '../../src/store/timeline-repository.js';
import type { Db } from '../../src/store/db.js';
import { createTestDatabase } from '../support/postgres.js';
import { RecordingChat } from '../fakes/recording-chat.js';

/**
 * Escalation against the fake Slack and the fake PagerDuty, with an injected clock, on the SQL
 * AlertStore: what the incidents channel shows, what PagerDuty holds, what the timeline records.
 */
const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';
const BOT_TOKEN = 'xoxb-escalation-test';
const INCIDENTS = { id: 'CINCIDENTS', name: 'incidents' };
const T0 = new Date('2026-11-25T14:00:00.000Z');
const at = (min: number) => new Date(T0.getTime() + min * 60_000);

let pd: FakePagerDuty;
let slack: SlackFake;
let app: App;
let ports: EscalationPorts;

const yaml = (pdUrl: string) => `
chat: { incidents_channel: incidents }
alerts:
  pagerduty: { routing_key: ${KEY}, api_url: "${pdUrl}" }
  escalation:
    - { after_min: 15, pagerduty: true }
    - { after_min: 5, mention: [slack:S0ONCALL, slack:U0BOB, discord:&123456789012] }
    - { after_min: 1, mention: [slack:U0CRIT], severities: [critical] }
`;

beforeAll(async () => {
  pd = await startFakePagerDuty({ routingKey: KEY });
  slack = await startSlackFake({ botToken: BOT_TOKEN, channels: [INCIDENTS], perChannelMs: 0 });
  app = await testApp(yaml(pd.url));
  app.chat.register(new SlackChatPort(new SlackApi({ token: BOT_TOKEN, apiUrl: slack.apiUrl, logger: silentLogger, paceIntervalMs: 0 }), new Redactor([])));
  ports = app.ports;
});
afterAll(async () => {
  await app?.close();
  await slack?.close();
  await pd?.close();
});

/** What the incidents channel shows about one alert: the messages' notification texts, in order. */
const channelTexts = (alertname: string) =>
  [...slack.messages.values()].filter((m: FakeMessage) => m.channel === INCIDENTS.id && (m.text ?? '').includes(alertname)).map((m) => m.text ?? '');
const pdEvents = (group: { groupKey: string }) => pd.events.filter((e) => e.dedup_key === pagingDedupKey(group)).map((e) => e.event_action);
const fire = (a: TestAlert) => fireGroup(app.ports.alerts, app.loaded.config, a, ['slack']);
const paged = async (groupId: string) => (await app.ports.timeline.list({ invocationId: `alert-group:${groupId}` })).filter((e) => e.kind === 'alert.paged');

async function waitFor(ok: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('escalation', () => {
  it('does each step once, in the order they fall due: the mention after 5 min, PagerDuty after 15; a step for other severities never', async () => {
    const group = await fire({ alertname: 'ProviderDown', service: 'api', severity: 'warning', firstFiredAt: T0, summary: 'openai returns 503' });
    let now = at(4);
    const job = new EscalationJob(app.loaded.config, ports, { now: () => now });
    expect(await job.tick()).toEqual([]);
    now = at(5);
    await job.tick();
    expect(channelTexts('ProviderDown')).toEqual([
      '⚠️ ProviderDown (api) unacknowledged for 5 min: openai returns 503\nAcknowledge it on the card, or it escalates in 10 min to PagerDuty. <!subteam^S0ONCALL> <@U0BOB>',
    ]);
    now = at(6);
    expect(await job.tick()).toEqual([]);
    now = at(15);
    await job.tick();
    now = at(40);
    await job.tick();
    const texts = channelTexts('ProviderDown');
    expect(texts).toHaveLength(2);
    expect(texts[1]).toBe('⚠️ ProviderDown (api) unacknowledged for 15 min: Paged PagerDuty.\nopenai returns 503\nAcknowledge it on the card.');
    expect(pdEvents(group)).toEqual(['trigger']);
    expect(pd.events.find((e) => e.dedup_key === pagingDedupKey(group))?.payload).toMatchObject({
      summary: 'ProviderDown (api) unacknowledged for 15 min: openai returns 503',
      source: 'api',
      severity: 'warning',
      timestamp: T0.toISOString(),
    });
    expect((await app.ports.alerts.get(group.id))?.escalated).toEqual([1, 0]);
    const events = await app.ports.timeline.list({ invocationId: `alert-group:${group.id}` });
    expect(events.filter((e) => e.kind === 'alert.escalated' || e.kind === 'alert.paged').map((e) => [e.kind, e.detail.step ?? null, e.outcome])).toEqual([
      ['alert.escalated', 1, 'ok'],
      ['alert.escalated', 0, 'ok'],
      ['alert.paged', 0, 'ok'],
    ]);
  });

  it('a step done late says the time left until the next step, not the gap between them', async () => {
    const group = await fire({ alertname: 'QueueStuck', service: 'jobs', severity: 'warning', firstFiredAt: T0, summary: 'queue not draining' });
    const now = at(8);
    await new EscalationJob(app.loaded.config, ports, { now: () => now }).tick();
    expect(channelTexts('QueueStuck')).toEqual([
      '⚠️ QueueStuck (jobs) unacknowledged for 8 min: queue not draining\nAcknowledge it on the card, or it escalates in 7 min to PagerDuty. <!subteam^S0ONCALL> <@U0BOB>',
    ]);
    await group.resolve(at(9)); // so the later tests' jobs leave it alone
  });

  it('a group that fired long before Firebreak looked gets its due steps at once, still in order', async () => {
    const group = await fire({ alertname: 'PoolExhausted', severity: 'critical', firstFiredAt: T0 });
    const done = await new EscalationJob(app.loaded.config, ports, { now: () => at(30) }).tick();
    expect(done.map((d) => d.step)).toEqual([2, 1, 0]);
    expect(channelTexts('PoolExhausted').map((t) => t.match(/<[!@][^>]*>/g))).toEqual([['<@U0CRIT>'], ['<!subteam^S0ONCALL>', '<@U0BOB>'], null]);
    expect(pdEvents(group)).toEqual(['trigger']);
  });

  it('pressing Acknowledge on the card acknowledges the page in PagerDuty', async () => {
    const group = await fire({ alertname: 'DiskFilling', severity: 'error', firstFiredAt: T0 });
    await new EscalationJob(app.loaded.config, ports, { now: () => at(15) }).tick();
    expect(pd.incidents.get(pagingDedupKey(group))).toBe('triggered');
    const r = await app.dispatcher.dispatch({ actor: alice, channel: { platform: 'console', id: 'console', name: 'console' }, input: { kind: 'action', actionId: `ack:${group.id}` } });
    expect(r.reply.title).toBe('You acknowledged DiskFilling');
    await waitFor(() => pd.incidents.get(pagingDedupKey(group)) === 'acknowledged');
  });

  it('acknowledge stops the steps to come, and acknowledges the page in PagerDuty', async () => {
    const group = await fire({ alertname: 'MemoryHigh', severity: 'error', firstFiredAt: T0 });
    let now = at(15);
    const job = new EscalationJob(app.loaded.config, ports, { now: () => now });
    await job.tick();
    expect(pd.incidents.get(pagingDedupKey(group))).toBe('triggered');
    const ack = await app.ports.alerts.acknowledge(group.id, alice, ['slack']);
    expect(await syncPaging(ports, app.loaded.config, ack!.group)).toBe('acknowledged');
    expect(pd.incidents.get(pagingDedupKey(group))).toBe('acknowledged');
    const before = channelTexts('MemoryHigh').length;
    now = at(120);
    expect(await job.tick()).toEqual([]);
    expect(channelTexts('MemoryHigh')).toHaveLength(before);

    // Acknowledged before the first step: nothing is ever said or paged.
    const early = await fire({ alertname: 'DiskFull', severity: 'error', firstFiredAt: T0 });
    await app.ports.alerts.acknowledge(early.id, alice, ['slack']);
    now = at(60);
    await job.tick();
    expect(channelTexts('DiskFull')).toEqual([]);
    expect(pdEvents(early)).toEqual([]);
  });

  it('a silenced group is not escalated while the silence lasts, and is after it ends', async () => {
    const group = await fire({ alertname: 'NoisyButKnown', firstFiredAt: T0 });
    await app.ports.alerts.setSilence(group.id, { id: 'sil-1', until: at(30), by: alice }, ['slack']);
    expect(await new EscalationJob(app.loaded.config, ports, { now: () => at(20) }).tick()).toEqual([]);
    expect(channelTexts('NoisyButKnown')).toEqual([]);
    const after = await new EscalationJob(app.loaded.config, ports, { now: () => at(31) }).tick();
    expect(after.filter((d) => d.groupId === group.id).map((d) => d.step)).toEqual([1, 0]);
  });

  it('resolution resolves the page; a group that was never paged is not sent to PagerDuty', async () => {
    const group = await fire({ alertname: 'GatewayErrors', firstFiredAt: T0 });
    await new EscalationJob(app.loaded.config, ports, { now: () => at(16) }).tick();
    expect(await syncPaging(ports, app.loaded.config, await group.resolve(at(20)))).toBe('resolved');
    expect(pd.incidents.get(pagingDedupKey(group))).toBe('resolved');
    expect(pdEvents(group)).toEqual(['trigger', 'resolve']);

    const quiet = await fire({ alertname: 'BriefBlip', firstFiredAt: T0 });
    await new EscalationJob(app.loaded.config, ports, { now: () => at(6) }).tick();
    const requests = pd.requests.length;
    expect(await syncPaging(ports, app.loaded.config, await quiet.resolve(at(7)))).toBe('not-paged');
    expect(pd.requests.length).toBe(requests);
  });

  it('a page PagerDuty refuses is said in the channel in one sentence and recorded; a 429 is retried and pages once', async () => {
    const refused = { ...ports, paging: new PagerDutyEvents({ routingKey: 'X'.repeat(32), apiUrl: pd.url, sleep: async () => {} }) };
    const group = await fire({ alertname: 'QueueStuck', severity: 'critical', firstFiredAt: T0 });
    await new EscalationJob(app.loaded.config, refused, { now: () => at(15) }).tick();
    const texts = channelTexts('QueueStuck');
    expect(texts.at(-1)).toBe(
      '❌ QueueStuck unacknowledged for 15 min: PagerDuty could not be paged: PagerDuty refused the routing key (400 Invalid routing key); alerts.pagerduty.routing_key must be the integration key of an Events API v2 integration.\nAcknowledge it on the card.',
    );
    expect(pdEvents(group)).toEqual([]);
    const [event] = await paged(group.id);
    expect(event).toMatchObject({ outcome: 'failed', output: expect.stringContaining('PagerDuty refused the routing key (400 Invalid routing key)'), detail: { action: 'trigger', step: 0 } });
    // The step is done (recorded as escalated), so it is not retried every tick: the channel was told instead.
    expect(await new EscalationJob(app.loaded.config, refused, { now: () => at(16) }).tick()).toEqual([]);

    const throttled = { ...ports, paging: new PagerDutyEvents({ routingKey: KEY, apiUrl: pd.url, sleep: async () => {} }) };
    const second = await fire({ alertname: 'CacheDown', firstFiredAt: T0 });
    pd.rateLimitNext(2);
    await new EscalationJob(app.loaded.config, throttled, { now: () => at(15) }).tick();
    expect(pdEvents(second)).toEqual(['trigger']);
    expect(channelTexts('CacheDown').at(-1)).toContain('Paged PagerDuty');

    // PagerDuty cannot be told of the acknowledgement: the channel hears it, so someone does it by hand.
    const ack = await app.ports.alerts.acknowledge(second.id, alice, ['slack']);
    expect(await syncPaging(refused, app.loaded.config, ack!.group)).toBe('failed');
    expect(channelTexts('CacheDown').at(-1)).toBe(
      '❌ PagerDuty was not told that CacheDown was acknowledged by alice: PagerDuty refused the routing key (400 Invalid routing key); alerts.pagerduty.routing_key must be the integration key of an Events API v2 integration. Acknowledge the PagerDuty incident for CacheDown by hand.',
    );
    expect((await paged(second.id)).map((e) => [e.detail.action, e.outcome])).toEqual([
      ['trigger', 'ok'],
      ['acknowledge', 'failed'],
    ]);
  });
});

describe('escalation with two replicas on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbs: Db[] = [];

  beforeAll(async () => {
    database = await createTestDatabase('fb_escalation');
    for (let i = 0; i < 2; i++) dbs.push(await openPostgres(database.url));
    await migrate(dbs[0]!);
  });
  afterAll(async () => {
    for (const db of dbs) await db.close();
    await database?.drop();
  });

  it('two jobs racing through the same due steps do each step of each group once, in order', async () => {
    // One chat both replicas post to, as they would to one Slack.
    const chat = new RecordingChat();
    const replica = (db: Db) => {
      const directory = new ChatPlatformDirectory();
      directory.register(chat);
      const redactor = new Redactor([]);
      const replicaPorts: EscalationPorts = {
        alerts: new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, redactor)),
        chat: directory,
        timeline: new TimelineRecorder(new SqlTimelineRepository(db), redactor),
        messageRefs: new SqlMessageRefRepository(db),
        paging: new PagerDutyEvents({ routingKey: KEY, apiUrl: pd.url }),
        logger: silentLogger,
        redactor,
      };
      return replicaPorts;
    };
    const [a, b] = dbs.map(replica) as [EscalationPorts, EscalationPorts];
    const groups = await Promise.all(Array.from({ length: 20 }, (_, i) => fireGroup(a.alerts, app.loaded.config, { alertname: `Race${i}`, severity: 'warning', firstFiredAt: T0 }, ['recording'])));
    let now = at(5);
    const jobs = [new EscalationJob(app.loaded.config, a, { now: () => now }), new EscalationJob(app.loaded.config, b, { now: () => now })];
    for (const minute of [5, 5, 16, 16, 30]) {
      now = at(minute);
      await Promise.all(jobs.map((j) => j.tick()));
    }
    for (const g of groups) {
      const posts = chat.posted.filter((p) => p.reply.title.startsWith(`${g.alertname} unacknowledged`)).map((p) => p.reply.context?.slice(0, 22));
      expect(posts, g.alertname).toEqual(['Escalation step 1 of 2', 'Escalation step 2 of 2']);
      expect(pdEvents(g), g.alertname).toEqual(['trigger']);
      expect((await a.alerts.get(g.id))?.escalated).toEqual([1, 0]);
      // Each step recorded once, whichever replica claimed it.
      const escalated = (await a.timeline.list({ invocationId: `alert-group:${g.id}` })).filter((e) => e.kind === 'alert.escalated');
      expect(escalated.map((e) => e.detail.step)).toEqual([1, 0]);
    }
  });
});
