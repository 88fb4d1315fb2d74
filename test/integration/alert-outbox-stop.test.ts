import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import type { ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { Reply } from '../../src/core/reply.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import { testApp } from '../support/app.js';
import { ingestGroup } from '../support/alert-groups.js';
import { waitFor } from '../support/wait.js';

/**
 * The outbox worker's stop() by a deadline, as shutdown calls it: a card whose send hangs (a chat
 * API that stopped answering) is not waited for past the deadline, and its row and lane are given
 * back, so another replica shows the card at once instead of after the claims expire.
 */
const CONFIG = `
chat: { incidents_channel: incidents }
alerts: { cards_per_minute: 600 }
`;
// Claims and lane leases far longer than the test: what is taken up was given back, not expired.
const KNOBS = { pollMs: 40, claimMs: 600_000, laneLeaseMs: 600_000 };

/** The console port, with a hook that runs before each post reaches it. */
class HookedPort implements ChatPlatformPort {
  readonly platform = 'console';
  before: ((reply: Reply) => Promise<void>) | null = null;
  constructor(private readonly inner: ChatPlatformPort) {}
  async postMessage(channel: Parameters<ChatPlatformPort['postMessage']>[0], reply: Reply) {
    await this.before?.(reply);
    return this.inner.postMessage(channel, reply);
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

describe('alert outbox worker stopping by a deadline', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let port: HookedPort;
  const workers: OutboxWorker[] = [];

  beforeAll(async () => {
    app = await testApp(CONFIG);
    port = new HookedPort(app.ports.chat.get('console')!);
    app.chat.register(port);
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    await app.close();
  });

  it('gives back the row and the lane of a send that hangs past the deadline; another replica shows the card once', async () => {
    let entered!: () => void;
    const sending = new Promise<void>((resolve) => (entered = resolve));
    let failSend!: (err: Error) => void;
    port.before = (reply) => {
      if (!reply.title.includes('Stuck')) return Promise.resolve();
      entered();
      return new Promise<void>((_, reject) => (failSend = reject));
    };
    const leaving = buildAlertOutboxWorker(app, { ...KNOBS, workerId: 'leaving' });
    workers.push(leaving);
    leaving.start();
    const g = await ingestGroup(app, { key: 'stuck', alertname: 'Stuck', service: 'api' });
    await sending;
    expect(await app.db.query('SELECT claimed_by FROM outbox WHERE message_key = $1', [`alert-group:${g.id}`])).toEqual([{ claimed_by: 'leaving' }]);

    // Resolves although the send still hangs.
    await leaving.stop({ deadline: performance.now() + 1_500 });
    expect(await app.db.query('SELECT claimed_by FROM outbox WHERE message_key = $1', [`alert-group:${g.id}`])).toEqual([{ claimed_by: null }]);
    expect(await app.db.query("SELECT key FROM leases WHERE key LIKE 'alert-outbox:%'")).toEqual([]);

    // The chat API gives up on the hung request at last; the card was never posted by it.
    port.before = null;
    failSend(new Error('socket hang up'));

    const staying = buildAlertOutboxWorker(app, { ...KNOBS, workerId: 'staying', staleClaimMs: 200 });
    workers.push(staying);
    staying.start();
    await waitFor(async () => (await app.db.query('SELECT 1 FROM outbox WHERE message_key = $1', [`alert-group:${g.id}`])).length === 0, 30_000, 'the other replica to show the card');
    const cards = (await app.consoleMessages.changesSince(0, 'nobody', 10_000)).messages.filter((m) => m.reply.context === `alertmanager · alert group ${g.id}`);
    expect(cards.map((m) => m.reply.title)).toEqual(['Firing: Stuck (api)']);
  }, 60_000);
});
