import type { Db } from './db.js';

/** Checks the store through its existing connection: PGlite allows no second one. */
export function storeProbe(db: Db): { description: string; ping(): Promise<string> } {
  return {
    description: db.kind === 'pglite' ? '(embedded)' : db.description,
    async ping() {
      await db.query('SELECT 1');
      if (db.kind === 'pglite') return 'embedded PGlite';
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity');
      return `${rows[0]?.n ?? '?'} connections`;
    },
  };
}
