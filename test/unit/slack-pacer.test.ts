import { describe, expect, it } from 'vitest';
import { ChannelPacer } from '../../src/chat/slack/channel-pacer.js';

class RateLimited extends Error {
  constructor(readonly retryAfterMs: number) {
    super('ratelimited');
  }
}

const pacer = (intervalMs = 30) =>
  new ChannelPacer({ intervalMs, retryAfterMs: (err) => (err instanceof RateLimited ? err.retryAfterMs : null) });

describe('ChannelPacer', () => {
  it('sends queued updates of one message as only the first and the latest, and resolves every caller', async () => {
    const p = pacer();
    const sent: string[] = [];
    const op = (v: string) => async () => {
      sent.push(v);
      await new Promise((r) => setTimeout(r, 5));
      return v;
    };
    const results = await Promise.all(['1', '2', '3', '4', 'final'].map((v) => p.run('C1', 'update:TS', op(v))));
    expect(sent).toEqual(['1', 'final']);
    // The first was already on its way when the others came; all callers see the message's final state.
    expect(results).toEqual(['final', 'final', 'final', 'final', 'final']);
  });

  it('keeps posts (no key) in order and never drops one', async () => {
    const p = pacer(5);
    const sent: number[] = [];
    await Promise.all([1, 2, 3, 4].map((n) => p.run('C1', null, async () => void sent.push(n))));
    expect(sent).toEqual([1, 2, 3, 4]);
  });

  it('spaces calls to one channel by the interval and leaves other channels alone', async () => {
    const p = pacer(200);
    const at: Record<string, number[]> = { A: [], B: [] };
    const call = (ch: 'A' | 'B') => p.run(ch, null, async () => void at[ch]!.push(Date.now()));
    await Promise.all([call('A'), call('A'), call('B')]);
    expect(at.A![1]! - at.A![0]!).toBeGreaterThanOrEqual(195);
    // B's call went out before A's second, which had to wait A's interval.
    expect(at.B![0]!).toBeLessThanOrEqual(at.A![1]!);
  });

  it('a failed progress update does not drop the final result that replaced it meanwhile', async () => {
    const p = pacer(10);
    const sent: string[] = [];
    const op = (v: string, fail: boolean) => async () => {
      sent.push(v);
      await new Promise((r) => setTimeout(r, 20));
      if (fail) throw new Error('socket hang up');
      return v;
    };
    const progress = p.run('C1', 'update:TS', op('progress', true));
    await new Promise((r) => setTimeout(r, 5));
    const final = p.run('C1', 'update:TS', op('final', false));
    expect(await Promise.all([progress, final])).toEqual(['final', 'final']);
    expect(sent).toEqual(['progress', 'final']);
  });

  it('a failed call with nothing newer behind it is reported to its caller', async () => {
    const p = pacer(10);
    await expect(p.run('C1', 'update:TS', async () => Promise.reject(new Error('channel_not_found')))).rejects.toThrow('channel_not_found');
  });

  it('a rate-limited call waits Retry-After and is sent again; the newest content wins meanwhile', async () => {
    const p = pacer(10);
    const sent: string[] = [];
    let limited = true;
    const op = (v: string) => async () => {
      sent.push(v);
      if (limited) {
        limited = false;
        throw new RateLimited(100);
      }
      return v;
    };
    const first = p.run('C1', 'update:TS', op('a'));
    await new Promise((r) => setTimeout(r, 20));
    const second = p.run('C1', 'update:TS', op('b'));
    expect(await Promise.all([first, second])).toEqual(['b', 'b']);
    expect(sent).toEqual(['a', 'b']);
  });

  it('passes other errors to the caller and carries on with the queue', async () => {
    const p = pacer(5);
    const bad = p.run('C1', null, async () => {
      throw new Error('channel_not_found');
    });
    const good = p.run('C1', null, async () => 'ok');
    await expect(bad).rejects.toThrow('channel_not_found');
    expect(await good).toBe('ok');
  });

  describe('a person first', () => {
    const record = (sent: string[], v: string) => async () => {
      sent.push(v);
      await new Promise((r) => setTimeout(r, 2));
      return v;
    };

    it("a person's message goes before every alert card waiting for the channel, after the one on its way", async () => {
      const p = pacer(20);
      const sent: string[] = [];
      const cards = ['card1', 'card2', 'card3', 'card4', 'card5'].map((c) => p.run('C1', null, record(sent, c), 'system'));
      const answer = p.run('C1', null, record(sent, 'answer'), 'person');
      await Promise.all([...cards, answer]);
      expect(sent).toEqual(['card1', 'answer', 'card2', 'card3', 'card4', 'card5']);
    });

    it("people's messages keep the order they came in, and a message without a priority is the system's", async () => {
      const p = pacer(20);
      const sent: string[] = [];
      const all = [
        p.run('C1', null, record(sent, 'card1')),
        p.run('C1', null, record(sent, 'card2')),
        p.run('C1', null, record(sent, 'alice'), 'person'),
        p.run('C1', null, record(sent, 'card3')),
        p.run('C1', null, record(sent, 'bob'), 'person'),
      ];
      await Promise.all(all);
      expect(sent).toEqual(['card1', 'alice', 'bob', 'card2', 'card3']);
    });

    it('a queued update that a person now waits for moves up and sends only the latest content', async () => {
      const p = pacer(20);
      const sent: string[] = [];
      const first = p.run('C1', null, record(sent, 'card1'));
      const progress = p.run('C1', 'update:TS', record(sent, 'progress'), 'system');
      const card2 = p.run('C1', null, record(sent, 'card2'));
      const result = p.run('C1', 'update:TS', record(sent, 'result'), 'person');
      expect(await Promise.all([first, progress, card2, result])).toEqual(['card1', 'result', 'card2', 'result']);
      expect(sent).toEqual(['card1', 'result', 'card2']);
    });

    it('asks the shared slot with the priority of the message at the head of the queue, and sends the head once it has the slot', async () => {
      const asked: string[] = [];
      const p = new ChannelPacer({ intervalMs: 20, retryAfterMs: () => null, claimSlot: async (_ch, _ms, priority) => (asked.push(priority), true) });
      const sent: string[] = [];
      await p.run('C1', null, record(sent, 'card1'));
      // Both come while the pacer waits out its interval: the answer is the head when it asks for the slot.
      await Promise.all([p.run('C1', null, record(sent, 'card2')), p.run('C1', null, record(sent, 'answer'), 'person')]);
      expect(sent).toEqual(['card1', 'answer', 'card2']);
      expect(asked).toEqual(['system', 'person', 'system']);
    });
  });
});
