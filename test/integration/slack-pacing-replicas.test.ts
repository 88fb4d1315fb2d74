import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../src/chat/slack/channel-pacer.js';
import { sharedPaceSlot } from '../../src/chat/slack/shared-pace-slot.js';
import { RedisCoordination } from '../../src/coordination/redis-coordination.js';
import { REDIS_URL } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/** Two replicas of Firebreak, each with its own pacer, sharing one Redis as they do in production. */
describe('Slack pacing across replicas (shared Redis)', () => {
  const replicas: RedisCoordination[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 2; i++) replicas.push(await new RedisCoordination(REDIS_URL, { prefix: `firebreak-test-${randomUUID()}:` }).connect());
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
  });

  const pacerFor = (c: RedisCoordination, shared: boolean, onSlotError?: () => void, intervalMs = 300) =>
    new ChannelPacer({ intervalMs, retryAfterMs: () => null, ...(shared ? { claimSlot: (ch, ms) => c.claimOnce(`pace:${ch}`, ms) } : {}), onSlotError });

  it('two replicas posting to one channel at once take turns: no two messages within the interval', async () => {
    // Both replicas use the first one's key space, as two processes on one Redis do.
    // A second's interval: the time is read after the claim's answer arrives, which a busy machine
    // delays by tens of ms (224 ms gaps at 300 were seen at load 20); 200 ms of that is tolerated.
    const [a, b] = [pacerFor(replicas[0]!, true, undefined, 1000), pacerFor(replicas[0]!, true, undefined, 1000)];
    const sentAt: number[] = [];
    const post = (p: ChannelPacer) => p.run('C-shared', null, async () => void sentAt.push(Date.now()));
    await Promise.all([post(a), post(b), post(a), post(b)]);
    sentAt.sort((x, y) => x - y);
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]!);
    expect(gaps.every((g) => g >= 800), `gaps ${gaps.join(', ')} ms`).toBe(true);
  });

  it('without the shared slot the same two replicas send together (what the slot prevents)', async () => {
    // A minute's interval: had b waited for a's slot, this would outlast the test's timeout.
    const [a, b] = [pacerFor(replicas[0]!, false, undefined, 60_000), pacerFor(replicas[0]!, false, undefined, 60_000)];
    const sent: string[] = [];
    await Promise.all([a.run('C-alone', null, async () => void sent.push('a')), b.run('C-alone', null, async () => void sent.push('b'))]);
    expect(sent.sort()).toEqual(['a', 'b']);
  });

  it("a person's message on one replica goes out while another replica still has a backlog of alert cards for the channel", async () => {
    // As SlackApi wires it: the shared slot that tells a person's message from an alert card. Both
    // replicas use the first one's key space, as two processes on one Redis do.
    // A slot a second wide, so a busy machine's stall does not decide which card the answer follows.
    const paced = () => new ChannelPacer({ intervalMs: 1000, retryAfterMs: () => null, claimSlot: sharedPaceSlot(replicas[0]!, 'slack:pace') });
    const [a, b] = [paced(), paced()];
    const sent: string[] = [];
    // Replica A works an alert storm: eight cards queued for the channel at once.
    const cards = Array.from({ length: 8 }, (_, i) => a.run('C-storm', null, async () => void sent.push(`card${i + 1}`), 'system'));
    // A person's command lands on replica B while A's second card is on its way.
    await waitFor(() => sent.length >= 2, 20_000, 'two cards sent');
    const answer = b.run('C-storm', null, async () => void sent.push('answer'), 'person');
    await Promise.all([...cards, answer]);
    // Next after the card that held the slot when it came (or one more, if A had just taken the slot).
    const cardsBefore = sent.indexOf('answer');
    expect(cardsBefore, `sent: ${sent.join(', ')}`).toBeLessThanOrEqual(3);
    expect(sent.length - cardsBefore - 1, `cards still waiting when the answer went: ${sent.join(', ')}`).toBeGreaterThanOrEqual(5);
  });

  it('when the shared claim fails (Redis down), the message still goes out, paced by its replica alone', async () => {
    let reported = 0;
    const p = new ChannelPacer({ intervalMs: 300, retryAfterMs: () => null, claimSlot: async () => Promise.reject(new Error('Connection is closed.')), onSlotError: () => void reported++ });
    expect(await p.run('C-down', null, async () => 'sent')).toBe('sent');
    expect(reported).toBe(1);
  });
});
