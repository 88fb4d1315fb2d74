import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openPglite } from '../../src/store/pglite-db.js';

describe('the embedded store runs on a thread of its own', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openPglite();
  });
  afterAll(() => db.close());

  it('keeps the event loop free while PostgreSQL works: a timer set during a 1 s query fires before it returns', async () => {
    const order: string[] = [];
    const query = db.query('SELECT pg_sleep(1)').then(() => order.push('query returned'));
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void order.push('timer fired')), 50));
    await Promise.all([query, timer]);
    expect(order).toEqual(['timer fired', 'query returned']);
  });

  it("keeps PostgreSQL's error code and details across the thread, so callers can act on a unique violation", async () => {
    await db.exec('CREATE TABLE pglite_thread_keys (k text PRIMARY KEY)');
    await db.query('INSERT INTO pglite_thread_keys VALUES ($1)', ['a']);
    const err = await db.query('INSERT INTO pglite_thread_keys VALUES ($1)', ['a']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ message: 'duplicate key value violates unique constraint "pglite_thread_keys_pkey"', code: '23505', constraint: 'pglite_thread_keys_pkey' });
  });

  it('holds the single session for a transaction: a query from outside sees its rows only after it commits, and a rollback leaves nothing', async () => {
    await db.exec('CREATE TABLE pglite_thread_tx (n int)');
    const { outside } = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO pglite_thread_tx VALUES (1)');
      const outside = db.query<{ n: number }>('SELECT count(*)::int AS n FROM pglite_thread_tx');
      await tx.query('INSERT INTO pglite_thread_tx VALUES (2)');
      return { outside };
    });
    expect(await outside).toEqual([{ n: 2 }]);
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO pglite_thread_tx VALUES (3)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await db.query('SELECT n FROM pglite_thread_tx ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('lets a single statement go ahead of transactions still waiting for the session, and keeps the transactions in order', async () => {
    await db.exec('CREATE TABLE pglite_thread_turns (n int)');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const first = db.transaction(async (tx) => {
      await tx.query('INSERT INTO pglite_thread_turns VALUES (1)');
      started();
      await held;
    });
    await running;
    // Two transactions ask for the session while the first holds it, then one statement from outside.
    const second = db.transaction((tx) => tx.query('INSERT INTO pglite_thread_turns VALUES (2)'));
    const third = db.transaction((tx) => tx.query('INSERT INTO pglite_thread_turns VALUES (3)'));
    const outside = db.query<{ ns: number[] }>('SELECT coalesce(array_agg(n ORDER BY n), ARRAY[]::int[]) AS ns FROM pglite_thread_turns');
    release();
    await Promise.all([first, second, third]);
    // It ran right after the first committed, before the second and third began.
    expect(await outside).toEqual([{ ns: [1] }]);
    expect(await db.query('SELECT n FROM pglite_thread_turns ORDER BY n')).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });


  it('prepares statements without running them: nothing is written, no sequence number is taken, and one that cannot be prepared is skipped', async () => {
    await db.exec('CREATE TABLE pglite_thread_prepared (id serial PRIMARY KEY, v text)');
    const insert = 'INSERT INTO pglite_thread_prepared (v) VALUES ($1) RETURNING id';
    expect(await db.prepare!([insert, 'SELECT * FROM pglite_thread_no_such_table'])).toBe(1);
    expect(await db.query('SELECT count(*)::int AS n FROM pglite_thread_prepared')).toEqual([{ n: 0 }]);
    // The statement prepared ahead runs as it would have: the first row still gets the first number.
    expect(await db.query(insert, ['a'])).toEqual([{ id: 1 }]);
    await expect(db.query('SELECT * FROM pglite_thread_no_such_table')).rejects.toMatchObject({ code: '42P01' });
  });
  it('a statement run before a migration changed its table runs again after it with the new shape (the cache of prepared statements is emptied)', async () => {
    await db.exec('CREATE TABLE pglite_thread_shape (a int)');
    await db.query('INSERT INTO pglite_thread_shape VALUES ($1)', [1]);
    const read = () => db.query<Record<string, unknown>>('SELECT * FROM pglite_thread_shape ORDER BY a');
    expect(await read()).toEqual([{ a: 1 }]);
    await db.exec('ALTER TABLE pglite_thread_shape ADD COLUMN b text DEFAULT $$x$$');
    expect(await read()).toEqual([{ a: 1, b: 'x' }]);
  });

  it('requests sent together get their own answers: one that fails fails alone, the others in the same turn succeed', async () => {
    const [ok1, bad, ok2] = await Promise.allSettled([db.query<{ n: number }>('SELECT 1 AS n'), db.query('SELECT * FROM no_such_table_here'), db.query<{ n: number }>('SELECT $1::int AS n', [2])]);
    expect(ok1).toEqual({ status: 'fulfilled', value: [{ n: 1 }] });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: '42P01' } });
    expect(ok2).toEqual({ status: 'fulfilled', value: [{ n: 2 }] });
  });

  it('a closed store says so instead of hanging', async () => {
    const other = await openPglite();
    await other.close();
    await expect(other.query('SELECT 1')).rejects.toThrow('the embedded store is closed');
  });
});

describe('the embedded store is sized for Firebreak, not for a database server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-pglite-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a new data directory, and every open of it, uses a 16MB buffer pool instead of PostgreSQL’s 128MB', async () => {
    for (let open = 0; open < 2; open++) {
      const db = await openPglite(join(dir, 'pgdata'), { fromTemplate: true });
      try {
        expect(await db.query('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
        expect(await db.query('SHOW maintenance_work_mem')).toEqual([{ maintenance_work_mem: '16MB' }]);
      } finally {
        await db.close();
      }
    }
  });
});
