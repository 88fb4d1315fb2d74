import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { storeProbe } from '../../src/store/store-probe.js';

/** A store whose answers the test releases one at a time, counting the statements it was sent. */
function heldStore(kind: 'pglite' | 'postgres') {
  const sent: string[] = [];
  const held: (() => void)[] = [];
  const db = {
    kind,
    description: 'test',
    async query(sql: string) {
      sent.push(sql);
      await new Promise<void>((r) => held.push(r));
      return [{ n: 3 }];
    },
  } as unknown as Db;
  return { db, sent, release: () => held.shift()?.() };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('the store probe', () => {
  it('answers pings that arrive while one is on its way with the next one, which starts after they asked', async () => {
    const { db, sent, release } = heldStore('pglite');
    const probe = storeProbe(db);
    const first = probe.ping();
    const burst = Array.from({ length: 10 }, () => probe.ping());
    expect(sent).toHaveLength(1);
    let burstDone = false;
    void Promise.all(burst).then(() => (burstDone = true));
    release();
    expect(await first).toBe('embedded PGlite');
    await tick();
    // The burst did not take the answer of the ping that was already on its way.
    expect(burstDone).toBe(false);
    expect(sent).toHaveLength(2);
    release();
    expect(await Promise.all(burst)).toEqual(Array(10).fill('embedded PGlite'));
    // A ping after that goes on its own.
    const later = probe.ping();
    await tick();
    expect(sent).toHaveLength(3);
    release();
    expect(await later).toBe('embedded PGlite');
  });

  it('on PostgreSQL one statement both checks the store and counts its connections', async () => {
    const { db, sent, release } = heldStore('postgres');
    const answer = storeProbe(db).ping();
    await tick();
    release();
    expect(await answer).toBe('3 connections');
    expect(sent).toHaveLength(1);
  });
});
