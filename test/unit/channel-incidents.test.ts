import { describe, expect, it } from 'vitest';
import { ChannelIncidents } from '../../src/core/channel-incidents.js';
import { silentLogger } from '../support/app.js';

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ChannelIncidents with a batched look-up', () => {
  it('looks up the channels asked about while one look-up is on its way together in the next, and remembers each', async () => {
    const calls: string[][] = [];
    const answers: ReturnType<typeof deferred<Map<string, { id: string }>>>[] = [];
    const single = async () => {
      throw new Error('the batched look-up is used');
    };
    const channels = new ChannelIncidents(single, silentLogger, Date.now, async (_platform, ids) => {
      calls.push(ids);
      const d = deferred<Map<string, { id: string }>>();
      answers.push(d);
      return d.promise;
    });
    const first = channels.incidentOf('slack', 'C1');
    const rest = ['C2', 'C3', 'C2', 'C4'].map((c) => channels.incidentOf('slack', c));
    expect(calls).toEqual([['C1']]);
    answers[0]!.resolve(new Map());
    expect(await first).toBeNull();
    await new Promise((r) => setImmediate(r));
    expect(calls).toEqual([['C1'], ['C2', 'C3', 'C4']]);
    answers[1]!.resolve(new Map([['C3', { id: 'INC-3' }]]));
    expect(await Promise.all(rest)).toEqual([null, 'INC-3', null, null]);
    // Remembered: asked again, nothing is looked up.
    expect(await channels.incidentOf('slack', 'C3')).toBe('INC-3');
    expect(calls).toHaveLength(2);
  });

  it('a failed look-up attributes nothing and is not remembered', async () => {
    let fail = true;
    let looked = 0;
    const channels = new ChannelIncidents(async () => null, silentLogger, Date.now, async () => {
      looked++;
      if (fail) throw new Error('store unreachable');
      return new Map([['C1', { id: 'INC-1' }]]);
    });
    expect(await channels.incidentOf('slack', 'C1')).toBeNull();
    fail = false;
    expect(await channels.incidentOf('slack', 'C1')).toBe('INC-1');
    expect(looked).toBe(2);
  });
});
