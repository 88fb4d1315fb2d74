import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelTarget, MessageRef } from '../../src/core/chat-port.js';
import { renderedHash, showMessage } from '../../src/core/posted-messages.js';
import type { Reply } from '../../src/core/reply.js';
import type { Db } from '../../src/store/db.js';
import { SqlMessageRefRepository } from '../../src/store/message-ref-repository.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { RecordingChat } from '../fakes/recording-chat.js';
import { createTestDatabase } from '../support/postgres.js';

/** A recording chat whose next post or edit waits until the test lets it through. */
class GatedChat extends RecordingChat {
  private gate: { entered: () => void; release: Promise<void> } | undefined;
  /** The next postMessage/updateMessage blocks; resolves `entered` once it is blocked. */
  hold(): { entered: Promise<void>; release: () => void } {
    let release!: () => void;
    let entered!: () => void;
    const enteredP = new Promise<void>((r) => (entered = r));
    this.gate = { entered, release: new Promise<void>((r) => (release = r)) };
    return { entered: enteredP, release };
  }
  private async pass(): Promise<void> {
    const g = this.gate;
    if (!g) return;
    this.gate = undefined;
    g.entered();
    await g.release;
  }
  override async postMessage(channel: ChannelTarget, reply: Reply): Promise<MessageRef> {
    await this.pass();
    return super.postMessage(channel, reply);
  }
  override async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    await this.pass();
    return super.updateMessage(ref, reply);
  }
}

const card = (n: number): Reply => ({ title: `Backup of app failed — ${n} problems today`, status: 'error', text: `latest ${n}` });
const channel = { name: 'incidents' };

/** Two replicas: two connection pools on one PostgreSQL database, each with its own repository. */
describe('stored message refs: post once, then update in place from any replica', () => {
  let store: Awaited<ReturnType<typeof createTestDatabase>>;
  const dbs: Db[] = [];
  let a: SqlMessageRefRepository;
  let b: SqlMessageRefRepository;
  let n = 0;
  const key = () => `test:${++n}`;

  beforeAll(async () => {
    store = await createTestDatabase('fb_refs');
    for (let i = 0; i < 2; i++) dbs.push(await openPostgres(store.url));
    await migrate(dbs[0]!);
    a = new SqlMessageRefRepository(dbs[0]!);
    b = new SqlMessageRefRepository(dbs[1]!);
  });
  afterAll(async () => {
    for (const db of dbs) await db.close();
    await store?.drop();
  });

  it('posts the first time, skips a rendering that is the same, edits when it changed', async () => {
    const k = key();
    const chat = new RecordingChat();
    const first = await showMessage(a, k, chat, channel, card(1));
    expect(first.outcome).toBe('posted');
    expect(chat.posted).toEqual([{ channel: 'incidents', reply: card(1) }]);
    // Same content with its keys in another order and an explicit undefined: the same rendering.
    expect((await showMessage(b, k, chat, channel, { text: 'latest 1', status: 'error', title: card(1).title, code: undefined })).outcome).toBe('unchanged');
    expect(chat.updated).toHaveLength(0);
    const second = await showMessage(b, k, chat, channel, card(2));
    expect(second).toEqual({ outcome: 'updated', ref: first.ref });
    expect(chat.updated).toEqual([{ ref: first.ref, reply: card(2) }]);
    expect(chat.posted).toHaveLength(1);
    expect(await a.get(k, chat.platform)).toMatchObject({ ref: first.ref, renderedHash: renderedHash(card(2)) });
  });

  it('two replicas showing the same key at the same moment post it once', async () => {
    const k = key();
    const chat = new RecordingChat();
    const results = await Promise.all([showMessage(a, k, chat, channel, card(1)), showMessage(b, k, chat, channel, card(1))]);
    expect(chat.posted).toHaveLength(1);
    // The other found it being posted (busy) or already posted with this content (unchanged).
    const outcomes = results.map((r) => r.outcome).sort();
    expect([['busy', 'posted'], ['posted', 'unchanged']]).toContainEqual(outcomes);
  });

  it('a replica that finds the key being posted returns busy; the poster then shows its change', async () => {
    const k = key();
    const chat = new GatedChat();
    let problems = 1;
    const render = async () => card(problems);
    const gate = chat.hold();
    const posting = showMessage(a, k, chat, channel, render);
    await gate.entered; // replica A has claimed the key and rendered "1 problem"; its post is in flight
    problems = 2; // replica B stores its problem, then shows the report
    expect(await showMessage(b, k, chat, channel, render)).toEqual({ outcome: 'busy', ref: null });
    gate.release();
    expect((await posting).outcome).toBe('posted');
    expect(chat.posted.map((p) => p.reply)).toEqual([card(1)]);
    expect(chat.updated.map((u) => u.reply)).toEqual([card(2)]);
  });

  it('an edit that loses the race to another replica edits again with what is current', async () => {
    const k = key();
    const chat = new GatedChat();
    let problems = 1;
    const render = async () => card(problems);
    await showMessage(a, k, chat, channel, render);
    problems = 2;
    const gate = chat.hold();
    const slow = showMessage(a, k, chat, channel, render); // renders 2, its edit is held
    await gate.entered;
    problems = 3;
    expect((await showMessage(b, k, chat, channel, render)).outcome).toBe('updated'); // edits 3, records it
    gate.release(); // A's edit of 2 lands after B's 3 …
    expect((await slow).outcome).toBe('updated');
    // … so A, whose compare-and-set lost, edits again with what is current.
    expect(chat.updated.map((u) => u.reply)).toEqual([card(3), card(2), card(3)]);
    expect((await a.get(k, chat.platform))?.renderedHash).toBe(renderedHash(card(3)));
  });

  it('a failed post frees the key; a claim left by a replica that died mid-post is taken over once stale', async () => {
    const k = key();
    const broken = new RecordingChat();
    broken.postMessage = () => Promise.reject(new Error('Slack: channel_not_found'));
    await expect(showMessage(a, k, broken, channel, card(1))).rejects.toThrow('channel_not_found');
    expect(await a.get(k, broken.platform)).toBeNull();

    const k2 = key();
    const chat = new RecordingChat();
    expect(await b.claim(k2, chat.platform, 'replica-that-died')).toBe(true);
    expect((await showMessage(a, k2, chat, channel, card(1))).outcome).toBe('busy');
    expect(chat.posted).toHaveLength(0);
    expect((await showMessage(a, k2, chat, channel, card(1), { staleClaimMs: 0 })).outcome).toBe('posted');
    expect(chat.posted).toHaveLength(1);
    expect((await b.get(k2, chat.platform))?.ref).toEqual({ platform: chat.platform, channelId: 'c', messageId: '1' });
  });

  it('a post whose ref write fails is recorded by the next show, even once its claim is stale: never posted twice', async () => {
    // The write fails before it reaches the store, or after it committed with its answer lost.
    for (const lostAnswer of [false, true]) {
      const k = key();
      const chat = new RecordingChat();
      let failNext = true;
      const flaky: SqlMessageRefRepository = Object.assign(Object.create(a) as SqlMessageRefRepository, {
        async recordPosted(...args: Parameters<SqlMessageRefRepository['recordPosted']>) {
          if (!failNext) return a.recordPosted(...args);
          failNext = false;
          if (lostAnswer) await a.recordPosted(...args);
          throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
        },
      });
      await expect(showMessage(flaky, k, chat, channel, card(1))).rejects.toThrow('Connection terminated');
      expect(chat.posted).toHaveLength(1);
      const again = await showMessage(flaky, k, chat, channel, card(2), { staleClaimMs: 0 });
      expect(again).toEqual({ outcome: lostAnswer ? 'updated' : 'posted', ref: { platform: chat.platform, channelId: 'c', messageId: '1' } });
      expect(chat.posted).toHaveLength(1);
      expect(chat.updated.map((u) => u.reply)).toEqual([card(2)]);
      expect(await b.get(k, chat.platform)).toMatchObject({ ref: again.ref, renderedHash: renderedHash(card(2)) });
    }
  });
});
