import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import { SlackApi } from '../../src/chat/slack/api.js';
import { SlackChatPort } from '../../src/chat/slack/chat-port.js';
import { buildAlertOutboxWorker, buildApp, type App } from '../../src/main.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-api.js';
import { configFrom, silentLogger, testRuntime } from '../support/app.js';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';
import { ingestGroup, type GroupSpec } from '../support/alert-groups.js';
import { waitFor } from '../support/wait.js';

/**
 * Three replicas (three apps, each its own pool and Redis connection) on one PostgreSQL and one
 * Redis, each running the outbox worker and posting to the fake Slack, which answers a second
 * message to a channel within 50 ms with 429. Every replica receives every change, as behind a
 * load balancer with Alertmanager retrying and HA twins.
 */
const BOT_TOKEN = 'xoxb-outbox-replicas';
// Unique per run: the budget and pacing keys in the shared Redis are per channel.
const CHANNEL = { id: `C${randomBytes(4).toString('hex').toUpperCase()}`, name: `alerts-${randomBytes(3).toString('hex')}` };
const CONFIG = `
chat: { incidents_channel: ${CHANNEL.name} }
alerts: { cards_per_minute: 600 }
`;
const KNOBS = { pollMs: 40, claimMs: 3000, laneLeaseMs: 3000, stormWindowMs: 1000, digestRefreshMs: 500 };

interface Replica {
  app: App;
  worker: OutboxWorker;
  slack: SlackApi;
}

describe('alert cards from three replicas on one PostgreSQL + Redis', () => {
  let fake: SlackFake;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    fake = await startSlackFake({ botToken: BOT_TOKEN, channels: [CHANNEL], perChannelMs: 50 });
    db = await createTestDatabase('fb_outbox_replicas');
    for (let i = 0; i < 3; i++) {
      const app = await buildApp(testRuntime({ databaseUrl: db.url, redisUrl: REDIS_URL }), configFrom(CONFIG), { logger: silentLogger, defaultMetrics: false });
      const slack = new SlackApi({ token: BOT_TOKEN, apiUrl: fake.apiUrl, logger: silentLogger, paceIntervalMs: 60, coordination: app.coordination, onRateLimited: () => app.metrics.chatRateLimited('slack') });
      app.chat.register(new SlackChatPort(slack, app.ports.redactor));
      const worker = buildAlertOutboxWorker(app, { ...KNOBS, workerId: `replica-${i}` });
      worker.start();
      replicas.push({ app, worker, slack });
    }
  }, 60_000);

  afterAll(async () => {
    for (const r of replicas) {
      await r.worker.stop();
      await r.slack.pacer.idle();
      await r.app.close();
    }
    await fake?.close();
    await db?.drop();
  });

  const headers = () =>
    [...fake.messages.values()].filter((m) => m.channel === CHANNEL.id).map((m) => (m.blocks?.[0] as { text?: { text?: string } } | undefined)?.text?.text ?? '');
  const callsIn = (method: string) => fake.calls.filter((c) => c.method === method && c.args.channel === CHANNEL.id);
  const outboxEmpty = async () => (await replicas[0]!.app.db.query<{ n: number }>("SELECT count(*)::integer AS n FROM outbox WHERE message_key LIKE 'alert-group:%'"))[0]!.n === 0;
  /** Every replica receives the same notification at once (a load balancer, Alertmanager's retries, HA twins). */
  const everywhere = (g: GroupSpec) => Promise.all(replicas.map((r) => ingestGroup(r.app, g)));

  it('the same changes received by every replica: one message per group transition, no 429s', async () => {
    const n = 8;
    const names = Array.from({ length: n }, (_, i) => `Replicated${i}`);
    for (const name of names) await everywhere({ key: `rep-${name}`, alertname: name, service: 'api', severity: 'warning' });
    await waitFor(async () => (await outboxEmpty()) && names.every((name) => headers().includes(`⚠️ Firing: ${name} (api)`)));
    const posts = callsIn('chat.postMessage').filter((c) => c.status === 200);
    expect(posts).toHaveLength(n);
    expect(callsIn('chat.update')).toHaveLength(0);

    for (const name of names) await everywhere({ key: `rep-${name}`, alertname: name, service: 'api', severity: 'warning', alerts: [{ fingerprint: 'fp1', status: 'resolved' }] });
    await waitFor(async () => (await outboxEmpty()) && names.every((name) => headers().includes(`✅ Resolved: ${name} (api)`)));
    expect(callsIn('chat.postMessage').filter((c) => c.status === 200)).toHaveLength(n);
    expect(callsIn('chat.update').filter((c) => c.status === 200)).toHaveLength(n);
    expect(fake.calls.filter((c) => c.status === 429)).toEqual([]);
  }, 60_000);

  it('a storm with one replica stopped mid-way: a digest first, then every group on its own card once, and the digest says it is over', async () => {
    const n = 45;
    const names = Array.from({ length: n }, (_, i) => `Storm${i}`);
    const postsBefore = callsIn('chat.postMessage').length;
    await Promise.all(names.map((name, i) => ingestGroup(replicas[i % 3]!.app, { key: `storm-${name}`, alertname: name, severity: i % 5 === 0 ? 'critical' : 'warning' })));

    // The digest goes up before the cards could all be posted: every group is on a card or on it.
    const digest = await waitFor(() => [...fake.messages.values()].find((m) => m.channel === CHANNEL.id && /Alert storm in #/.test(JSON.stringify(m.blocks?.[0]))));
    expect(headers().filter((h) => /^.{1,3} Firing: Storm/.test(h)).length).toBeLessThan(n);

    // Stop whichever replica works the channel, part-way through.
    await waitFor(() => headers().filter((h) => /Firing: Storm/.test(h)).length >= 5);
    const owner = await waitFor(() => replicas.find((r) => r.worker.activeLanes().length > 0));
    await owner.worker.stop();

    await waitFor(async () => (await outboxEmpty()) && names.every((name) => headers().some((h) => h.endsWith(`Firing: ${name}`))), 45_000);
    await waitFor(() => /is over/.test(JSON.stringify(fake.messages.get(`${CHANNEL.id}:${digest.ts}`)?.blocks?.[0])), 20_000);
    // One card per group: posted once, never twice, whichever replica posted it.
    for (const name of names) expect(headers().filter((h) => h.endsWith(`Firing: ${name}`)), name).toHaveLength(1);
    const newPosts = callsIn('chat.postMessage').length - postsBefore;
    expect(newPosts).toBe(n + 1);
    expect(fake.calls.filter((c) => c.status === 429)).toEqual([]);
  }, 90_000);

  it('counts what it sent, and the firing groups, in the metrics', async () => {
    const metrics = () => Promise.all(replicas.map((r) => r.app.metrics.registry.metrics()));
    const sum = (texts: string[], op: string) => texts.reduce((n, text) => n + Number(new RegExp(`firebreak_chat_messages_total\\{platform="slack",op="${op}"\\} (\\d+)`).exec(text)?.[1] ?? 0), 0);
    // A send is counted once the platform has answered it: the fake may have seen the last one a moment earlier.
    const texts = await waitFor(async () => {
      const t = await metrics();
      const posts = callsIn('chat.postMessage').filter((c) => c.status === 200).length;
      const updates = callsIn('chat.update').filter((c) => c.status === 200).length;
      return sum(t, 'post') === posts && sum(t, 'update') === updates ? t : null;
    });
    expect(sum(texts, 'post')).toBeGreaterThan(45);
    for (const text of texts) expect(text).toMatch(/^firebreak_alert_groups_firing 45$/m);
  });

  it('counts a 429 that Slack answers, waits it out, and still shows the card', async () => {
    const r = replicas[0]!;
    fake.rateLimitNext('chat.postMessage', 1);
    await ingestGroup(r.app, { key: 'rate-limited', alertname: 'RateLimited' });
    await waitFor(async () => (await outboxEmpty()) && headers().some((h) => h.endsWith('Firing: RateLimited')));
    const limited = await Promise.all(replicas.map((x) => x.app.metrics.registry.getSingleMetricAsString('firebreak_chat_rate_limited_total')));
    expect(limited.reduce((n, text) => n + Number(/platform="slack"\} (\d+)/.exec(text)?.[1] ?? 0), 0)).toBe(1);
  }, 30_000);
});
