import type { Db } from './db.js';

/**
 * Pings that arrive while one is on its way share the next one, which starts once that one is
 * answered: every caller's answer comes from a round trip that began after it asked (it is fresh),
 * and a burst of /health costs the store at most two statements in flight instead of one each.
 */
function coalesced<T>(fn: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | null = null;
  let next: Promise<T> | null = null;
  const start = (): Promise<T> => {
    const p = fn().finally(() => {
      if (running === p) running = null;
    });
    running = p;
    return p;
  };
  return () => {
    if (running === null) return start();
    if (next === null) {
      const settled = running.then(
        () => undefined,
        () => undefined,
      );
      next = settled.then(() => {
        next = null;
        return start();
      });
    }
    return next;
  };
}

/** Checks the store through its existing connection: PGlite allows no second one. */
export function storeProbe(db: Db): { description: string; ping(): Promise<string> } {
  const ping = coalesced(async () => {
    if (db.kind === 'pglite') {
      await db.query('SELECT 1');
      return 'embedded PGlite';
    }
    // One statement: its answer is the check, and it says how many connections there are.
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity');
    return `${rows[0]?.n ?? '?'} connections`;
  });
  return {
    // The embedded store names its data dir: a CLI run from another directory opens another store.
    description: db.description,
    ping,
  };
}
