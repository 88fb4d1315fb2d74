import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../src/chat/slack/channel-pacer.js';
import { RedisCoordination } from '../../src/coordination/redis-coordination.js';
import { REDIS_URL } from '../support/postgres.js';

/** Two replicas of Firebreak, each with its own pacer, sharing one Redis as they do in production. */
describe('Slack pacing across replicas (shared Redis)', () => {
  const replicas: RedisCoordination[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) replicas.push(await new RedisCoordination(REDIS_URL, { prefix: `firebreak-test-${randomUUID()}:` }).connect());
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
  });

  const pacerFor = (c: RedisCoordination, shared: boolean, onSlotError?: () => void) =>
    new ChannelPacer({ intervalMs: 300, retryAfterMs: () => null, ...(shared ? { claimSlot: (ch, ms) => c.claimOnce(`pace:${ch}`, ms) } : {}), onSlotError });

  it('two replicas posting to one channel at once take turns: no two messages within the interval', async () => {
    // Both replicas use the first one's key space, as two processes on one Redis do.
    const [a, b] = [pacerFor(replicas[0]!, true), pacerFor(replicas[0]!, true)];
    const sentAt: number[] = [];
    const post = (p: ChannelPacer) => p.run('C-shared', null, async () => void sentAt.push(Date.now()));
    await Promise.all([post(a), post(b), post(a), post(b)]);
    sentAt.sort((x, y) => x - y);
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]!);
    expect(gaps.every((g) => g >= 280), `gaps ${gaps.join(', ')} ms`).toBe(true);
  });

  it('without the shared slot the same two replicas send together (what the slot prevents)', async () => {
    const [a, b] = [pacerFor(replicas[0]!, false), pacerFor(replicas[0]!, false)];
    const sentAt: number[] = [];
    await Promise.all([a, b].map((p) => p.run('C-alone', null, async () => void sentAt.push(Date.now()))));
    expect(Math.abs(sentAt[0]! - sentAt[1]!)).toBeLessThan(150);
  });

  it('when the shared claim fails (Redis down), the message still goes out, paced by its replica alone', async () => {
    let reported = 0;
    const p = new ChannelPacer({ intervalMs: 300, retryAfterMs: () => null, claimSlot: async () => Promise.reject(new Error('Connection is closed.')), onSlotError: () => void reported++ });
    expect(await p.run('C-down', null, async () => 'sent')).toBe('sent');
    expect(reported).toBe(1);
  });
});
