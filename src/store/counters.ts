import type { Queryable } from './db.js';

/** A counter of the `counters` table (120_counters.sql). */
export type CounterName = 'incidents' | 'alert_groups';

/**
 * The next number of a counter, its row locked until the transaction ends (so inserts of new
 * numbered rows serialize here). `take()` makes the number used; a transaction that does not
 * take it, or rolls back, leaves the counter as it was, so numbers stay consecutive.
 */
export async function nextNumber(q: Queryable, name: CounterName): Promise<{ next: number; take: () => Promise<void> }> {
  const [row] = await q.query<{ n: string | number }>(`SELECT n FROM counters WHERE name = $1 FOR UPDATE`, [name]);
  if (!row) throw new Error(`The counters table has no "${name}" row: run the store's migrations (120_counters.sql).`);
  const next = Number(row.n) + 1;
  return { next, take: async () => void (await q.query(`UPDATE counters SET n = $2 WHERE name = $1`, [name, next])) };
}
