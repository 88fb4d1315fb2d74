import type { Db, Queryable } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite-db.js';

/**
 * Migrated in-memory embedded stores, opened once per test process and reused. Opening one costs
 * ~2–3 s (a thread, PGlite's WASM, the template tarball); resetting one costs a few milliseconds,
 * so `testApp()` in a `beforeEach` no longer boots a database per test.
 *
 * `borrowStore()` gives a store in the state of a fresh `openPglite(undefined, { fromTemplate: true })`
 * + `migrate()`: same tables, same rows (the ones migrations seed), same sequence values. It is the
 * borrower's alone until its `close()`, which resets it and gives it back; two stores borrowed at
 * once are two stores. Tests of the store itself (template, data directories, migrations) open
 * their own.
 */

/** What a fresh store holds: taken once from the first store this process opens. */
interface Fresh {
  /** Tables and sequences, columns and functions: a borrower that changed the schema gets a new store next time. */
  schema: string;
  /** One statement that puts a used store back to fresh. */
  resetSql: string;
}

/** The schema in one string, to notice a test that created, dropped or altered something. */
const SCHEMA_SQL = `SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) AS schema FROM (
  SELECT c.relname || ':' || c.relkind::text || ':' || coalesce(a.attname, '') || ':' || coalesce(a.atttypid::text, '') AS x
    FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
   WHERE c.relnamespace = 'public'::regnamespace
  UNION ALL
  SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
) s`;

const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** Reads what a freshly migrated store holds and writes the statement that restores exactly that. */
async function readFresh(db: Db): Promise<Fresh> {
  const [{ schema }] = (await db.query<{ schema: string }>(SCHEMA_SQL)) as [{ schema: string }];
  const tables = (
    await db.query<{ name: string }>(
      `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND relname <> 'schema_migrations' ORDER BY relname`,
    )
  ).map((t) => t.name);
  const sequences = (await db.query<{ name: string }>(`SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'S' ORDER BY relname`)).map((s) => s.name);
  const statements = [
    // Triggers and foreign keys off while the seeded rows go back in, as pg_restore does: the rows are
    // restored exactly as they were, not recomputed.
    'SET LOCAL session_replication_role = replica',
    `TRUNCATE ${tables.map(ident).join(', ')} RESTART IDENTITY CASCADE`,
  ];
  for (const table of tables) {
    // Rows a migration seeds (counters, the console channel, the console clock) are part of "fresh".
    const [row] = await db.query<{ rows: unknown[] | null }>(`SELECT json_agg(t) AS rows FROM ${ident(table)} t`);
    if (!row?.rows) continue;
    const columns = (
      await db.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attnum`,
        [ident(table)],
      )
    ).map((c) => ident(c.name));
    statements.push(
      `INSERT INTO ${ident(table)} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM json_populate_recordset(NULL::${ident(table)}, ${literal(JSON.stringify(row.rows))})`,
    );
  }
  for (const seq of sequences) {
    // Owned sequences are restarted by TRUNCATE; standalone ones (console_channel_ids) are not.
    const [s] = (await db.query<{ last_value: string; is_called: boolean }>(`SELECT last_value, is_called FROM ${ident(seq)}`)) as [{ last_value: string; is_called: boolean }];
    statements.push(`SELECT setval(${literal(ident(seq))}, ${s.last_value}, ${s.is_called})`);
  }
  return { schema, resetSql: statements.join(';\n') };
}

let fresh: Promise<Fresh> | null = null;
const idle: Db[] = [];
const open = new Set<Db>();

async function openFresh(): Promise<Db> {
  const db = await openPglite(undefined, { fromTemplate: true });
  try {
    await migrate(db);
    fresh ??= readFresh(db);
    await fresh;
  } catch (err) {
    fresh = null;
    await db.close().catch(() => {});
    throw err;
  }
  open.add(db);
  return db;
}

async function discard(db: Db): Promise<void> {
  open.delete(db);
  await db.close().catch(() => {});
}

/** Puts a store back to fresh; false if it cannot be (it failed, or its schema was changed). */
async function reset(db: Db): Promise<boolean> {
  try {
    const f = await (fresh as Promise<Fresh>);
    await db.transaction((tx) => tx.exec(f.resetSql));
    const [row] = await db.query<{ schema: string }>(SCHEMA_SQL);
    return row?.schema === f.schema;
  } catch {
    return false;
  }
}

/** The real timer, taken before any test can install fake ones (vi.useFakeTimers). */
const realSetTimeout = globalThis.setTimeout;

/** How long a returned store waits for the borrower's last statements before it is thrown away instead. */
const SETTLE_MS = 10_000;

/**
 * A fresh migrated embedded store, the caller's until it calls `close()`. Statements sent after
 * `close()` fail as on a closed store, so an app still winding down cannot write into the next
 * borrower's data.
 */
export async function borrowStore(): Promise<Db> {
  const db = idle.pop() ?? (await openFresh());
  let closed: Promise<void> | null = null;
  const inFlight = new Set<Promise<unknown>>();
  const guard = <T>(run: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('the embedded store is closed'));
    const p = run();
    inFlight.add(p);
    const forget = () => inFlight.delete(p);
    p.then(forget, forget);
    return p;
  };
  const giveBack = async () => {
    const settled = Promise.allSettled([...inFlight]).then(() => true);
    const late = new Promise<false>((resolve) => realSetTimeout(resolve, SETTLE_MS, false).unref());
    if ((await Promise.race([settled, late])) && (await reset(db))) idle.push(db);
    else await discard(db);
  };
  return {
    kind: db.kind,
    description: db.description,
    query: <R extends object>(sql: string, params?: unknown[]) => guard(() => db.query<R>(sql, params)),
    exec: (sql: string) => guard(() => db.exec(sql)),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => guard(() => db.transaction(fn)),
    close: () => (closed ??= giveBack()),
  };
}

/** How many stores this process has open, and how many of them wait to be borrowed. */
export function storePoolSize(): { open: number; idle: number } {
  return { open: open.size, idle: idle.length };
}

/** Closes every store this process opened (idle or not). The threads are unref'd when idle, so this is tidiness, not what lets the process exit. */
export async function closeStorePool(): Promise<void> {
  idle.length = 0;
  await Promise.all([...open].map(discard));
}

process.once('beforeExit', () => void closeStorePool());
