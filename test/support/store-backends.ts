import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { createTestDatabase } from './postgres.js';
import { borrowStore } from './store-pool.js';

/** A migrated store a test opens and closes itself: the embedded PGlite (pooled, test/support/store-pool.ts) or a scratch PostgreSQL database. */
export type StoreBackend = { name: 'PGlite' | 'PostgreSQL'; open(): Promise<{ db: Db; close(): Promise<void> }> };

/** Both stores, for tests that must hold on each; `prefix` names the scratch PostgreSQL database. */
export function storeBackends(prefix: string): StoreBackend[] {
  return [
    {
      name: 'PGlite',
      async open() {
        // Fresh from this process's pool; closing gives it back, reset.
        const db = await borrowStore();
        return { db, close: () => db.close() };
      },
    },
    {
      name: 'PostgreSQL',
      async open() {
        const t = await createTestDatabase(prefix);
        const db = await openPostgres(t.url, { max: 4 });
        await migrate(db);
        return {
          db,
          async close() {
            await db.close();
            await t.drop();
          },
        };
      },
    },
  ];
}
