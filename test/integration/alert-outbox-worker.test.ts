import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import type { ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { ConsoleMessage } from '../../src/core/console-messages.js';
import type { Reply } from '../../src/core/reply.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { testApp } from '../support/app.js';
import { ingestGroup } from '../support/alert-groups.js';
import { waitFor } from '../support/wait.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * The outbox worker against the console platform (what it posts is kept in the store), on PGlite and
 * on PostgreSQL: a card per group, posted once and then updated in place; changes coalesced; a
 * change during a send shown too; a crashed worker's claim and lane taken over; a storm digest.
 * 600 cards a minute (a slot every 100 ms) keeps the tests short; the rules are the same at 50.
 */
const CONFIG = `
chat: { incidents_channel: incidents }
alerts: { cards_per_minute: 600 }
`;
const KNOBS = { pollMs: 40, claimMs: 1500, laneLeaseMs: 1500, stormWindowMs: 1000, digestRefreshMs: 400 };

const backends = storeBackends('fb_outbox');

/** The console port, with a hook that runs before each post or update reaches it. */
class HookedPort implements ChatPlatformPort {
  readonly platform = 'console';
  before: ((op: 'post' | 'update', reply: Reply) => Promise<void>) | null = null;
  constructor(private readonly inner: ChatPlatformPort) {}
  async postMessage(channel: Parameters<ChatPlatformPort['postMessage']>[0], reply: Reply) {
    await this.before?.('post', reply);
    return this.inner.postMessage(channel, reply);
  }
  async updateMessage(ref: MessageRef, reply: Reply) {
    await this.before?.('update', reply);
    return this.inner.updateMessage(ref, reply);
  }
  replyInThread = (p: MessageRef, r: Reply) => this.inner.replyInThread(p, r);
  sendPrivate = (u: string, r: Reply, o?: { channelId?: string }) => this.inner.sendPrivate(u, r, o);
  createChannel = (n: string, o?: { topic?: string; private?: boolean }) => this.inner.createChannel(n, o);
  inviteToChannel = (c: string, u: string[]) => this.inner.inviteToChannel(c, u);
  setTopic = (c: string, t: string) => this.inner.setTopic(c, t);
  pinMessage = (r: MessageRef) => this.inner.pinMessage(r);
  archiveChannel = (c: string) => this.inner.archiveChannel(c);
}

for (const backend of backends) {
  describe(`alert outbox worker on ${backend.name}`, () => {
    let store: { db: Db; close(): Promise<void> };
    let app: Awaited<ReturnType<typeof testApp>>;
    let port: HookedPort;
    let worker: OutboxWorker | null = null;

    beforeAll(async () => {
      store = await backend.open();
      app = await testApp(CONFIG, { db: store.db });
      port = new HookedPort(app.ports.chat.get('console')!);
      app.chat.register(port);
    });
    afterAll(async () => {
      await worker?.stop();
      await app.close();
      await store.close();
    });

    const start = () => {
      worker = buildAlertOutboxWorker(app, KNOBS);
      worker.start();
      return worker;
    };
    const stop = async () => {
      await worker?.stop();
      worker = null;
    };
    const cardOf = async (groupId: string): Promise<ConsoleMessage | null> => {
      const ref = await app.ports.messageRefs.get(`alert-group:${groupId}`, 'console');
      return ref?.ref ? app.consoleMessages.message(Number(ref.ref.messageId)) : null;
    };
    const outboxRows = async (groupId: string) => app.db.query<{ version: number; claimed_by: string | null }>('SELECT version, claimed_by FROM outbox WHERE message_key = $1', [`alert-group:${groupId}`]);
    const sends = async () => {
      const text = await app.metrics.registry.getSingleMetricAsString('firebreak_chat_messages_total');
      const count = (op: string) => Number(new RegExp(`firebreak_chat_messages_total\\{platform="console",op="${op}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
      return { post: count('post'), update: count('update'), skip: count('skip') };
    };

    it('posts one card per group in its channel, then updates that card in place when the group resolves', async () => {
      start();
      const g = await ingestGroup(app, { key: `${backend.name}-one`, alertname: 'ProviderDown', service: 'api', severity: 'critical' });
      const posted = await waitFor(() => cardOf(g.id));
      expect(posted).toMatchObject({ channel: { name: 'incidents' }, reply: { title: 'Firing: ProviderDown (api)', status: 'error' } });
      await waitFor(async () => (await outboxRows(g.id)).length === 0);

      await ingestGroup(app, { key: `${backend.name}-one`, alertname: 'ProviderDown', service: 'api', alerts: [{ fingerprint: 'fp1', status: 'resolved' }] });
      const resolved = await waitFor(async () => {
        const m = await cardOf(g.id);
        return m?.reply.status === 'ok' ? m : null;
      });
      expect(resolved.id).toBe(posted.id);
      expect(resolved.reply.title).toBe('Resolved: ProviderDown (api)');
      const inChannel = (await app.consoleMessages.changesSince(0, 'nobody', 10_000)).messages.filter((m) => m.reply.context === `alertmanager · alert group ${g.id}`);
      expect(inChannel).toHaveLength(1);
      await stop();
    });

    it('coalesces: ten changes while it was away become one update showing the latest', async () => {
      start();
      const key = `${backend.name}-coalesce`;
      const g = await ingestGroup(app, { key, alertname: 'Flapping', alerts: [{ fingerprint: 'fp0', status: 'firing' }] });
      await waitFor(async () => (await outboxRows(g.id)).length === 0);
      await stop();
      const before = await sends();
      for (let i = 1; i <= 10; i++) {
        await ingestGroup(app, { key, alertname: 'Flapping', alerts: Array.from({ length: i + 1 }, (_, j) => ({ fingerprint: `fp${j}`, status: 'firing' as const })) });
      }
      // One row for the card, whatever the number of changes: its version counts them.
      expect((await outboxRows(g.id)).map((r) => r.version)).toEqual([10]);
      start();
      const latest = await waitFor(async () => {
        const m = await cardOf(g.id);
        return m?.reply.fields?.some((f) => f.label === 'Alerts' && f.value === '11 firing') && (await outboxRows(g.id)).length === 0 ? m : null;
      });
      expect(latest.reply.title).toBe('Firing: Flapping');
      const after = await sends();
      expect(after.update - before.update).toBe(1);
      expect(after.post - before.post).toBe(0);
      await stop();
    });

    it('a change that lands while a card is being sent leaves its row due, so the newer state is shown too', async () => {
      const key = `${backend.name}-race`;
      let raced = false;
      port.before = async (op, reply) => {
        if (raced || op !== 'post' || !reply.title.includes('Racing')) return;
        raced = true;
        // The webhook's transaction commits between the worker's render and the platform's answer.
        await ingestGroup(app, { key, alertname: 'Racing', alerts: [{ fingerprint: 'fp1', status: 'resolved' }] });
      };
      start();
      const g = await ingestGroup(app, { key, alertname: 'Racing' });
      const shown = await waitFor(async () => {
        const m = await cardOf(g.id);
        return m?.reply.status === 'ok' && (await outboxRows(g.id)).length === 0 ? m : null;
      });
      expect(raced).toBe(true);
      expect(shown.reply.title).toBe('Resolved: Racing');
      port.before = null;
      await stop();
    });

    it("takes over a crashed worker's row once its claim expires, and its lane once the lease expires", async () => {
      const g = await ingestGroup(app, { key: `${backend.name}-crash`, alertname: 'Orphaned' });
      // A replica claimed the row and the lane, then died without a word.
      await app.db.query("UPDATE outbox SET claimed_by = 'dead-replica', claimed_until = now() + interval '1200 milliseconds' WHERE message_key = $1", [`alert-group:${g.id}`]);
      const expiry = (await app.db.query<{ claimed_until: Date }>('SELECT claimed_until FROM outbox WHERE message_key = $1', [`alert-group:${g.id}`]))[0]!.claimed_until;
      expect((await app.ports.leases.acquire('alert-outbox:console:incidents', { id: 'dead-replica:lane', actorName: 'dead', description: 'x' }, 1200)).acquired).toBe(true);
      start();
      const card = await waitFor(() => cardOf(g.id));
      expect(card.reply.title).toBe('Firing: Orphaned');
      expect(card.createdAt.getTime()).toBeGreaterThanOrEqual(new Date(expiry).getTime() - 5);
      await waitFor(async () => (await outboxRows(g.id)).length === 0);
      await stop();
    });

    it('in a storm keeps a digest of every waiting group, paces cards to the budget, catches up, then says the storm is over', async () => {
      const n = 40;
      const groups = [];
      for (let i = 0; i < n; i++) groups.push(await ingestGroup(app, { key: `${backend.name}-storm-${i}`, alertname: `Storm${i}`, service: `svc${i % 4}`, severity: i % 3 === 0 ? 'critical' : 'warning' }));
      const sentAt: number[] = [];
      port.before = async () => void sentAt.push(Date.now());
      start();
      const digestRef = await waitFor(async () => (await app.ports.messageRefs.get('alert-digest:incidents:1:1', 'console'))?.ref ?? null);
      const firstDigest = (await app.consoleMessages.message(Number(digestRef.messageId)))!;
      // Nothing was on its own card yet when the digest went up: every group is on it.
      expect(firstDigest.reply.title).toMatch(/^Alert storm in #incidents: \d+ groups waiting for their own card$/);
      const listed = new Set(firstDigest.reply.rows!.map((r) => r.cells[0]));
      for (const g of groups) expect(listed.has(g.alertname) || (await cardOf(g.id)) !== null).toBe(true);
      expect(firstDigest.reply.rows![0]!.status).toBe('error');

      for (const g of groups) await waitFor(() => cardOf(g.id), 30_000);
      const over = await waitFor(async () => {
        const m = await app.consoleMessages.message(Number(digestRef.messageId));
        return m?.reply.status === 'ok' ? m : null;
      }, 30_000);
      expect(over.reply.title).toBe('Alert storm in #incidents is over');
      // Closed right after its pages say so: the next storm here posts a new digest.
      await waitFor(async () => (await app.db.query<{ open: boolean }>("SELECT open FROM alert_digests WHERE platform = 'console' AND channel = 'incidents'"))[0]?.open === false);
      // 600 a minute is a slot every 100 ms: a second spans at most 11 slots, and a send seen at the
      // edge of the second may have claimed the slot before it.
      const busiest = Math.max(...sentAt.map((t) => sentAt.filter((u) => u >= t && u < t + 1000).length));
      expect(busiest).toBeLessThanOrEqual(12);
      expect(sentAt.length).toBeGreaterThanOrEqual(n + 2);
      port.before = null;
      await stop();
    }, 60_000);

    it('puts a group that arrives mid-storm on the digest at once, not at the next full refresh', async () => {
      const first = [];
      for (let i = 0; i < 30; i++) first.push(await ingestGroup(app, { key: `${backend.name}-wave1-${i}`, alertname: `WaveOne${i}` }));
      // The digest is refreshed in full only once an hour here; what brings a newcomer on is that it is invisible.
      worker = buildAlertOutboxWorker(app, { ...KNOBS, digestRefreshMs: 3_600_000, digestMinMs: 200 });
      worker.start();
      const storm = (await app.db.query<{ storm: number }>("SELECT storm FROM alert_digests WHERE platform = 'console' AND channel = 'incidents'"))[0]?.storm ?? 0;
      const key = `alert-digest:incidents:${storm + 1}:1`;
      await waitFor(async () => (await app.ports.messageRefs.get(key, 'console'))?.ref);
      await ingestGroup(app, { key: `${backend.name}-wave2`, alertname: 'LateComer' });
      await waitFor(async () => {
        const ref = (await app.ports.messageRefs.get(key, 'console'))?.ref;
        const digest = ref ? await app.consoleMessages.message(Number(ref.messageId)) : null;
        return digest?.reply.rows?.some((r) => r.cells[0] === 'LateComer');
      });
      await stop();
    }, 60_000);
  });
}
