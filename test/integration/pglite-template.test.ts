import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite-db.js';

describe('a new embedded store starts from the migrated template', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-pglite-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a new data directory already holds every migration, and only a newer one is applied', async () => {
    const dataDir = join(dir, 'pgdata');
    const db = await openPglite(dataDir, { fromTemplate: true });
    try {
      const all = loadMigrations();
      const recorded = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
      expect(recorded.map((r) => r.version)).toEqual(all.map((m) => m.version));
      expect(await migrate(db)).toEqual([]);
      const newer = { version: 99_001, name: 'newer_than_template', sql: 'CREATE TABLE newer_than_template (id int)' };
      expect(await migrate(db, [...all, newer])).toEqual([99_001]);
      expect(await db.query("SELECT to_regclass('newer_than_template') IS NOT NULL AS present")).toEqual([{ present: true }]);
    } finally {
      await db.close();
    }
    // Unpacked beside it and renamed into place: nothing half-unpacked is left next to the store.
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    const reopened = await openPglite(dataDir, { fromTemplate: true });
    try {
      expect(await reopened.query("SELECT to_regclass('newer_than_template') IS NOT NULL AS present")).toEqual([{ present: true }]);
    } finally {
      await reopened.close();
    }
  }, 120_000);

  it('an in-memory store (tests) loads the same template', async () => {
    const db = await openPglite(undefined, { fromTemplate: true });
    try {
      expect(await migrate(db)).toEqual([]);
      expect(await db.query<{ n: number }>('SELECT count(*)::int AS n FROM schema_migrations')).toEqual([{ n: loadMigrations().length }]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('a data directory holding files but no database is refused and left as it was', async () => {
    const dataDir = join(dir, 'not-a-store');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'notes.txt'), 'mine');
    await expect(openPglite(dataDir, { fromTemplate: true })).rejects.toThrow(/holds files but no database \(no PG_VERSION\)/);
    expect(readFileSync(join(dataDir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(false);
  }, 120_000);
});
