import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from './db.js';

export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** The table that records applied migrations; the template builder (pglite-template.ts) creates it the same way. */
export const MIGRATIONS_TABLE_SQL = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;
export const RECORD_MIGRATION_SQL = 'INSERT INTO schema_migrations (version, name) VALUES ($1, $2)';

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));
  const seen = new Set<number>();
  const migrations = files.map((file) => {
    const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`migration file ${file} must be named NNN_name.sql`);
    const version = Number(m[1]);
    if (seen.has(version)) throw new Error(`two migrations share version ${version}`);
    seen.add(version);
    return { version, name: m[2] as string, sql: readFileSync(`${dir}/${file}`, 'utf8') };
  });
  // By number, not by name: "1000_x" comes after "999_y".
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Applies every migration not yet recorded, each in its own transaction together with its
 * record, so a failure leaves the database at the previous version. Several replicas starting at
 * once serialize on a table lock (works on PGlite too, unlike advisory locks).
 */
export async function migrate(db: Db, migrations: Migration[] = loadMigrations()): Promise<number[]> {
  try {
    await db.exec(MIGRATIONS_TABLE_SQL);
  } catch (err) {
    // Two replicas racing on CREATE TABLE IF NOT EXISTS can hit a catalog unique violation; the table exists then.
    if ((err as { code?: string }).code !== '23505') throw err;
  }
  // Most starts find every migration applied: one read instead of a locked transaction per
  // migration (~90 round trips to the store, ~0.5 s on PGlite). A version seen here is final;
  // one not seen is checked again under the lock, since another replica may be applying it.
  const known = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => r.version));
  const applied: number[] = [];
  for (const m of migrations) {
    if (known.has(m.version)) continue;
    const done = await db.transaction(async (tx) => {
      await tx.exec('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
      const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version = $1', [m.version]);
      if (rows.length > 0) return false;
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.version}_${m.name} failed: ${(err as Error).message}`);
      }
      await tx.query(RECORD_MIGRATION_SQL, [m.version, m.name]);
      return true;
    });
    if (done) applied.push(m.version);
  }
  return applied;
}
