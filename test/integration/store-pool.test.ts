import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite-db.js';
import { borrowStore, storePoolSize } from '../support/store-pool.js';

/** Everything a test could tell apart: tables, their rows, every sequence's position. */
async function state(db: Db): Promise<{ tables: Record<string, { count: number; rows: string }>; sequences: Record<string, string> }> {
  const tables: Record<string, { count: number; rows: string }> = {};
  const names = await db.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`);
  for (const { name } of names) {
    const [r] = await db.query<{ count: number; rows: string }>(`SELECT count(*)::int AS count, coalesce(json_agg(t ORDER BY t::text)::text, '') AS rows FROM "${name}" t`);
    tables[name] = r!;
  }
  const sequences: Record<string, string> = {};
  for (const { name } of await db.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'S' ORDER BY relname`)) {
    const [s] = await db.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM "${name}"`);
    sequences[name] = `${s!.last_value}/${s!.is_called}`;
  }
  return { tables, sequences };
}

/** Row counts only: timestamps a newer migration writes at migrate time differ between two fresh stores. */
const counts = (s: Awaited<ReturnType<typeof state>>) => ({ tables: Object.fromEntries(Object.entries(s.tables).map(([k, v]) => [k, v.count])), sequences: s.sequences });

describe('the test store pool', { timeout: 120_000 }, () => {
  it('lends a store as a fresh template + migrate would be, and gives it back the same after writes', async () => {
    const own = await openPglite(undefined, { fromTemplate: true });
    await migrate(own);
    const fresh = await state(own);
    await own.close();
    // Migrations seed rows (counters, the console channel and clock): they must survive a reset.
    expect(fresh.tables['counters']!.count).toBeGreaterThan(0);
    expect(fresh.tables['console_channels']!.count).toBeGreaterThan(0);

    const db = await borrowStore();
    const borrowed = await state(db);
    expect(counts(borrowed)).toEqual(counts(fresh));

    // Numbers from counters, owned and standalone sequences, a seeded row changed and one removed.
    await db.query(`INSERT INTO console_channels (name) VALUES ('inc-1-db')`);
    await db.query(`UPDATE console_clock SET version = version + 5`);
    await db.query(`SELECT next_number('incidents'), next_number('alert_groups')`);
    await db.query(`INSERT INTO console_messages (channel_id, reply, created_version, version) VALUES ('console', '{"text":"hi"}', 1, 1)`);
    await db.query(`UPDATE counters SET n = 41 WHERE name = 'alert_groups'`);
    expect(await state(db)).not.toEqual(borrowed);
    await db.close();
    // Files share the process (isolate: false): earlier files' stores may be in the pool too.
    const returned = storePoolSize();
    expect(returned.idle).toBeGreaterThan(0);

    const again = await borrowStore();
    expect(storePoolSize()).toEqual({ open: returned.open, idle: returned.idle - 1 }); // a store reset, not a new one
    expect(await state(again)).toEqual(borrowed);
    // The same writes give the same ids and numbers as on a fresh store.
    const [channel] = await again.query<{ id: string }>(`INSERT INTO console_channels (name) VALUES ('inc-1-db') RETURNING id`);
    const [n] = await again.query<{ n: string }>(`SELECT next_number('incidents') AS n`);
    await again.close();

    const other = await openPglite(undefined, { fromTemplate: true });
    await migrate(other);
    const [freshChannel] = await other.query<{ id: string }>(`INSERT INTO console_channels (name) VALUES ('inc-1-db') RETURNING id`);
    const [freshN] = await other.query<{ n: string }>(`SELECT next_number('incidents') AS n`);
    await other.close();
    expect({ channel: channel!.id, n: n!.n }).toEqual({ channel: freshChannel!.id, n: freshN!.n });
  });

  it('a store is the borrower\'s alone: two borrowed at once are two stores, and a closed one refuses statements', async () => {
    const a = await borrowStore();
    const b = await borrowStore();
    await a.query(`INSERT INTO console_channels (name) VALUES ('only-in-a')`);
    expect(await b.query(`SELECT id FROM console_channels WHERE name = 'only-in-a'`)).toEqual([]);
    await a.close();
    await expect(a.query('SELECT 1')).rejects.toThrow(/closed/);
    await a.close(); // twice is harmless, as for a store
    await b.close();
    const c = await borrowStore();
    expect(await c.query(`SELECT id FROM console_channels WHERE name = 'only-in-a'`)).toEqual([]);
    await c.close();
  });

  it('a borrower that changed the schema gives back nothing: the next borrower gets a fresh store', async () => {
    const db = await borrowStore();
    await db.exec('CREATE TABLE scratch (x int)');
    await db.close();
    const next = await borrowStore();
    expect(await next.query(`SELECT relname FROM pg_class WHERE relname = 'scratch'`)).toEqual([]);
    await next.close();
  });
});
