import { join, resolve } from 'node:path';
import type { RuntimeEnv } from '../config/env.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';
import { openPglite } from './pglite-db.js';

/** DATABASE_URL → PostgreSQL; unset → embedded PGlite in the data dir, locked to this process. */
export async function openStore(runtime: RuntimeEnv, opts: { migrate?: boolean } = {}): Promise<Db> {
  let db: Db;
  if (runtime.databaseUrl) {
    // Loaded only with DATABASE_URL: the embedded store's commands need no pg driver.
    const { openPostgres } = await import('./postgres-db.js');
    db = await openPostgres(runtime.databaseUrl);
  } else {
    const dataDir = resolve(runtime.dataDir);
    const release = acquireDataDirLock(dataDir);
    try {
      const inner = await openPglite(join(dataDir, 'pgdata'), { fromTemplate: true });
      // Named by the data dir (not pgdata inside it): what FIREBREAK_DATA_DIR is set to.
      db = { ...inner, description: `embedded (${dataDir})`, close: async () => { await inner.close(); release(); } };
    } catch (err) {
      release();
      throw err;
    }
  }
  if (opts.migrate !== false) {
    try {
      await migrate(db);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}
