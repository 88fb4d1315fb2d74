import type { Db } from './db.js';

/** Checks the store through its existing connection: PGlite allows no second one. */
export function storeProbe(db: Db): { description: string; ping(): Promise<string> } {
  return {
    // The embedded store names its data dir: a CLI run from another directory opens another store.
    description: db.description,
    async ping() {
      await db.query('SELECT 1');
      if (db.kind === 'pglite') return 'embedded PGlite';
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity');
      return `${rows[0]?.n ?? '?'} connections`;
    },
  };
}
