import pg from 'pg';
import { isStoreOutage } from '../core/store-outage.js';
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
      // A checked-out client has no listener of the pool's: when PostgreSQL drops the connection
      // mid-transaction (restart, failover, pg_terminate_backend, idle_in_transaction_session_timeout)
      // its 'error' event would be unhandled and end the process. Kept here, it fails the transaction.
      let lost: Error | null = null;
      const onError = (err: Error): void => {
        lost ??= err;
      };
      c.on('error', onError);
      try {
        await c.query('BEGIN');
        const out = await fn(wrap(c as unknown as { query: pg.Pool['query'] }));
        await c.query('COMMIT');
        return out;
      } catch (err) {
        if (lost === null) await c.query('ROLLBACK').catch(() => {});
        // Whatever fn made of a failed query, a transaction whose connection is gone is an outage.
        throw lost !== null && !isStoreOutage(err) ? lost : err;
      } finally {
        c.removeListener('error', onError);
        // Released with the error, the pool destroys the broken client and the next transaction gets a new one.
        c.release(lost ?? undefined);
      }
    },
    close: () => pool.end(),
  };
}
