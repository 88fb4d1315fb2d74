import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMigrations, MIGRATIONS_DIR } from '../../src/store/migrate.js';

describe('migration files', () => {
  it('are ordered by number, so 1000_ runs after 999_ and 100_', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-migrations-'));
    try {
      for (const f of ['1000_later.sql', '100_first.sql', '999_middle.sql']) writeFileSync(join(dir, f), 'SELECT 1;');
      expect(loadMigrations(dir).map((m) => m.version)).toEqual([100, 999, 1000]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuse a file that is not NNN_name.sql, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-migrations-'));
    try {
      writeFileSync(join(dir, 'add-things.sql'), 'SELECT 1;');
      expect(() => loadMigrations(dir)).toThrow('migration file add-things.sql must be named NNN_name.sql');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the shipped ones all load, starting at 001_init', () => {
    const shipped = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql'));
    const loaded = loadMigrations();
    expect(loaded).toHaveLength(shipped.length);
    expect(loaded[0]).toMatchObject({ version: 1, name: 'init' });
  });
});
