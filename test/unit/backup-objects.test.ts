import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { dumpFormatOf, isObjectName, targetForObject } from '../../src/backups/backup-objects.js';
import { compareCounts } from '../../src/backups/verify-backup.js';

describe('objects Firebreak did not make', () => {
  it('accepts object names relative to the destination, never one that climbs out or a shell would mangle', () => {
    for (const ok of ['postgres_backup_20250103_030000.sql.gz', 'pg/2026-11-25T030000Z-bk-1a2b3c4d.dump.gz', 'bk-1a2b3c4d', 'a+b=c.tsv']) expect(isObjectName(ok), ok).toBe(true);
    for (const bad of ['../x.sql.gz', 'a/../../b', '/etc/passwd', 'a//b', 'x y.sql', '-rf', 'a/./b', '']) expect(isObjectName(bad), bad).toBe(false);
  });

  it('takes the dump format from the name: .sql is psql\'s, .dump/.backup pg_restore\'s, anything else is unknown', () => {
    expect(dumpFormatOf('postgres_backup_20250103_030000.sql.gz')).toBe('plain');
    expect(dumpFormatOf('x.SQL')).toBe('plain');
    expect(dumpFormatOf('x.dump.gz')).toBe('custom');
    expect(dumpFormatOf('x.backup')).toBe('custom');
    expect(dumpFormatOf('x.tsv.gz')).toBeNull();
  });

  it('restores into the target named, else the one the key starts with, else the only one', () => {
    const two = parseConfigText('backups:\n  destination: { dir: /tmp/b }\n  targets:\n    pg: { type: postgres, url: "postgres://db/a" }\n    ch: { type: command, argv: [x] }\n', 't.yml', {}).config;
    expect(targetForObject(two, 'pg/old.sql.gz', undefined)).toMatchObject({ ok: true, name: 'pg' });
    expect(targetForObject(two, 'dump.sql.gz', 'ch')).toMatchObject({ ok: true, name: 'ch' });
    expect(targetForObject(two, 'dump.sql.gz', undefined)).toEqual({ ok: false, message: 'Say which target dump.sql.gz restores into: /backup restore dump.sql.gz TARGET (targets: pg, ch).' });
    expect(targetForObject(two, 'dump.sql.gz', 'nope')).toEqual({ ok: false, message: 'There is no backup target "nope"; targets: pg, ch.' });
    const one = parseConfigText('backups:\n  destination: { dir: /tmp/b }\n  targets:\n    pg: { type: postgres, url: "postgres://db/a" }\n', 't.yml', {}).config;
    expect(targetForObject(one, 'postgres_backup_20250103_030000.sql.gz', undefined)).toMatchObject({ ok: true, name: 'pg' });
  });
});

describe('verify: counts at backup time against the scratch restore', () => {
  it('a table with other counts, or missing from the restore, is a mismatch; tables only the scratch database has are left out', () => {
    expect(
      compareCounts(
        [
          { table: 'a', rows: 3 },
          { table: 'b', rows: 5 },
          { table: 'c', rows: 0 },
        ],
        [
          { table: 'a', rows: 3 },
          { table: 'b', rows: 4 },
          { table: 'leftover', rows: 9 },
        ],
      ),
    ).toEqual([
      { table: 'a', atBackup: 3, restored: 3, ok: true },
      { table: 'b', atBackup: 5, restored: 4, ok: false },
      { table: 'c', atBackup: 0, restored: null, ok: false },
    ]);
  });
});
