import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import type { ChannelTarget, ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { Reply } from '../../src/core/reply.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { ingestGroup } from '../support/alert-groups.js';
import { testApp } from '../support/app.js';
import { FlakyDb } from '../support/flaky-db.js';
import { waitFor } from '../support/wait.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * The card was posted, then the store went away before its ref was written (1 of 435 cards in the
 * field: a second card 7.7 minutes later, the first orphaned). Once the store is back, the group has
 * exactly one card, and later changes edit that card. The claim left behind goes stale within the
 * outage here (staleClaimMs 200 ms), so a worker that forgot its post would post a second card.
 */
const CONFIG = `
chat: { incidents_channel: incidents }
alerts: { cards_per_minute: 600 }
`;
const KNOBS = { pollMs: 40, claimMs: 1500, laneLeaseMs: 1500, maxBackoffMs: 500, staleClaimMs: 200 };

const backends = storeBackends('fb_refout');

/** The console port; `afterPost` runs once a post has reached the console, before anything is recorded. */
class AfterPostPort implements ChatPlatformPort {
  readonly platform = 'console';
  afterPost: (() => void) | null = null;
  constructor(private readonly inner: ChatPlatformPort) {}
  async postMessage(channel: ChannelTarget, reply: Reply) {
    const ref = await this.inner.postMessage(channel, reply);
    const hook = this.afterPost;
    this.afterPost = null;
    hook?.();
    return ref;
  }
  updateMessage = (ref: MessageRef, reply: Reply) => this.inner.updateMessage(ref, reply);
  replyInThread = (p: MessageRef, r: Reply) => this.inner.replyInThread(p, r);
  sendPrivate = (u: string, r: Reply, o?: { channelId?: string }) => this.inner.sendPrivate(u, r, o);
  createChannel = (n: string, o?: { topic?: string; private?: boolean }) => this.inner.createChannel(n, o);
  inviteToChannel = (c: string, u: string[]) => this.inner.inviteToChannel(c, u);
  setTopic = (c: string, t: string) => this.inner.setTopic(c, t);
  pinMessage = (r: MessageRef) => this.inner.pinMessage(r);
  archiveChannel = (c: string) => this.inner.archiveChannel(c);
}

for (const backend of backends) {
  describe(`an alert card whose ref write fails after the post, on ${backend.name}`, () => {
    let store: { db: Db; close(): Promise<void> };
    let flaky: FlakyDb;
    let app: Awaited<ReturnType<typeof testApp>>;
    let port: AfterPostPort;
    let worker: OutboxWorker;

    beforeAll(async () => {
      store = await backend.open();
      flaky = new FlakyDb(store.db);
      app = await testApp(CONFIG, { db: flaky });
      port = new AfterPostPort(app.ports.chat.get('console')!);
      app.chat.register(port);
    });
    afterAll(async () => {
      flaky.down = false;
      await worker?.stop();
      await app.close();
      await store.close();
    });

    /** Every message in #incidents whose title names the alert, read from the store itself (past the outage). */
    const cards = async (alertname: string) =>
      store.db.query<{ id: string; title: string }>(
        `SELECT m.id::text AS id, m.reply->>'title' AS title FROM console_messages m JOIN console_channels c ON c.id = m.channel_id
         WHERE c.name = 'incidents' AND m.reply->>'title' LIKE $1 ORDER BY m.id`,
        [`%${alertname}%`],
      );

    it('is recorded once the store is back: one card, and later changes edit it', async () => {
      const spec = { key: `refout-${backend.name}`, alertname: 'ProviderDown', service: 'api', severity: 'critical' };
      const group = await ingestGroup(app, spec);
      // The store goes away the moment the card is on the console, before its ref is written.
      port.afterPost = () => {
        flaky.down = true;
      };
      worker = buildAlertOutboxWorker(app, KNOBS);
      worker.start();
      await waitFor(() => flaky.failures >= 3, 20_000, 'the worker to meet the outage after posting');
      expect(await cards('ProviderDown')).toHaveLength(1);
      expect((await store.db.query<{ message_id: string | null }>('SELECT message_id FROM message_refs WHERE key = $1', [`alert-group:${group.id}`]))[0]).toEqual({ message_id: null });
      flaky.down = false;

      const ref = await waitFor(async () => (await app.ports.messageRefs.get(`alert-group:${group.id}`, 'console'))?.ref, 20_000, 'the card ref to be recorded');
      await waitFor(async () => (await store.db.query('SELECT 1 FROM outbox WHERE message_key = $1', [`alert-group:${group.id}`])).length === 0, 20_000, 'the outbox to be worked off');
      const shown = await cards('ProviderDown');
      expect(shown.map((c) => c.id)).toEqual([ref.messageId]);

      // A later change edits that card; still one card.
      await ingestGroup(app, { ...spec, alerts: [{ fingerprint: 'fp1', status: 'resolved' }] });
      await waitFor(async () => (await cards('ProviderDown')).some((c) => c.title.startsWith('Resolved')), 20_000, 'the card to show the group resolved');
      expect((await cards('ProviderDown')).map((c) => c.id)).toEqual([ref.messageId]);
    });
  });
}
