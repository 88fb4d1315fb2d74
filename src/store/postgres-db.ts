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
  // Nor a checked-out client's, wherever it falls. PostgreSQL stopping (fast) sends FATAL 57P01 to
  // every connection: one that has just answered a query can get it in the same read, after the pool
  // took its idle listener off to hand it to the next transaction and before that transaction's own
  // listener is on — an unhandled 'error' event, which ended a replica in the fault suite. Its queries
  // still fail (the client is not queryable any more) and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
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
      // A checked-out client has no listener of the pool's: when PostgreSQL drops the connection
      // mid-transaction (restart, failover, pg_terminate_backend, idle_in_transaction_session_timeout)
      // its error is kept here and fails the transaction as an outage.
      let lost: Error | null = null;
      const onError = (err: Error): void => {
        lost ??= err;
      };
      // Put on in the pool's hand-over callback itself, not after an await: an error that arrives
      // in between (see the 'connect' listener above) is this transaction's too.
      const c = await new Promise<pg.PoolClient>((resolve, reject) => {
        pool.connect((err, client) => {
          if (err || !client) return reject(err ?? new Error('the PostgreSQL pool gave no client'));
          client.on('error', onError);
          resolve(client);
        });
      });
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
