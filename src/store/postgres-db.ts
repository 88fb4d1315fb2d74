import pg from 'pg';
import type { Db, Queryable } from './db.js';

// bigint (count(*), bigserial) as JS numbers: our counts and ids stay far below 2^53.
pg.types.setTypeParser(20, (v) => Number(v));

export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres (unparseable URL)';
  }
}

export async function openPostgres(url: string, opts: { max?: number } = {}): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: 5000 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const client = await pool.connect().catch((err: Error) => {
    void pool.end();
    throw new Error(`cannot connect to PostgreSQL at ${describePostgresUrl(url)}: ${err.message}`);
  });
  client.release();
  const wrap = (q: { query: pg.Pool['query'] }): Queryable => ({
    async query<R extends object>(sql: string, params?: unknown[]) {
      const res = await q.query(sql, params as unknown[]);
      return res.rows as R[];
    },
    async exec(sql: string) {
      await q.query(sql);
    },
  });
  const base = wrap(pool);
  return {
    kind: 'postgres',
    description: describePostgresUrl(url),
    ...base,
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        const out = await fn(wrap(c as unknown as { query: pg.Pool['query'] }));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        await c.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        c.release();
      }
    },
    close: () => pool.end(),
  };
}
