import { PGlite } from '@electric-sql/pglite';
import type { Db, Queryable } from './db.js';

/**
 * Embedded PostgreSQL. PGlite is a single session: one instance, queries serialized by PGlite
 * itself, transactions exclusive. No advisory locks or LISTEN/NOTIFY are used anywhere.
 * `dataDir` undefined keeps everything in memory (tests).
 */
export async function openPglite(dataDir?: string): Promise<Db> {
  const db = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const wrap = (q: Pick<PGlite, 'query' | 'exec'>): Queryable => ({
    async query<R extends object>(sql: string, params?: unknown[]) {
      const res = await q.query<R>(sql, params as unknown[]);
      return res.rows;
    },
    async exec(sql: string) {
      await q.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    description: dataDir ? `embedded (${dataDir})` : 'embedded (in memory)',
    ...wrap(db),
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    close: () => db.close(),
  };
}
