import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../src/config/load.js';
import { dumpCommand, restoreCommand } from '../../src/integrations/backup/dump-command.js';

function problems(yaml: string): string[] {
  try {
    parseConfigText(yaml, 't.yml', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
}

describe('backups config', () => {
  it('lists every problem with its path', () => {
    expect(
      problems(`
backups:
  schedule: "every night"
  retention_days: 0
  targets:
    pg: { type: postgres, url: "mysql://x", format: tar }
    ch: { type: command }
`),
    ).toEqual(
      expect.arrayContaining([
        'backups.schedule: must be a cron expression with 5 fields, e.g. "0 3 * * *"',
        'backups.retention_days: Too small: expected number to be >=1',
        'backups.targets.pg.url: must be a postgres:// URL',
        expect.stringMatching(/^backups\.targets\.pg\.format: /),
        expect.stringMatching(/^backups\.targets\.ch\.argv: /),
      ]),
    );
    // Checked once the targets themselves are valid.
    expect(problems('backups:\n  targets:\n    pg: { type: postgres, url: "postgres://db/app" }\n')).toEqual([
      'backups.destination: is required when backup targets are configured: { s3: {...} } or { dir: PATH }',
    ]);
  });

  it('accepts the documented shapes', () => {
    const { config } = parseConfigText(
      `
backups:
  destination: { s3: { bucket: b, endpoint: "http://127.0.0.1:9000", force_path_style: true } }
  targets:
    pg: { type: postgres, url: "postgres://u:p@db/app", schedule: "off" }
`,
      't.yml',
      {},
    );
    expect(config.backups.targets.pg).toMatchObject({ format: 'custom', timeout_s: 3600, schedule: 'off' });
    expect(config.backups.compression_level).toBe(6);
  });

  it('refuses a verify_url that is the target\'s own database, and a verify_schedule without one', () => {
    expect(
      problems(`
backups:
  destination: { dir: /tmp/b }
  targets:
    a: { type: postgres, url: "postgres://db/app", verify_url: "postgres://db/app" }
    b: { type: postgres, url: "postgres://db/app", restore_url: "postgres://db/copy", verify_url: "postgres://db/copy" }
    c: { type: postgres, url: "postgres://db/app", verify_schedule: "0 4 1 * *" }
    d: { type: postgres, url: "postgres://db/app", verify_url: "postgres://db/scratch", verify_schedule: "0 4 1 * *", restore: [x] }
`),
    ).toEqual([
      'backups.targets.a.verify_url: must be a scratch database, not url or restore_url: /backup verify drops and recreates what the backup holds there',
      'backups.targets.b.verify_url: must be a scratch database, not url or restore_url: /backup verify drops and recreates what the backup holds there',
      'backups.targets.c.verify_schedule: needs verify_url: the scratch database a test restore goes into',
    ]);
  });
});

describe('dump and restore commands', () => {
  it('pass the password in PGPASSWORD, never in argv', () => {
    const target = { type: 'postgres' as const, url: 'postgres://app:s3cr%40t@db.internal:5432/app', format: 'plain' as const, timeout_s: 60 };
    const dump = dumpCommand(target);
    expect(dump.env).toEqual({ PGPASSWORD: 's3cr@t' });
    expect(dump.argv.join(' ')).not.toContain('s3cr');
    expect(dump.argv).toEqual(['pg_dump', '--format=plain', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--dbname=postgres://app@db.internal:5432/app']);
    const restore = restoreCommand({ ...target, restore_url: 'postgres://admin:pw2222@db2/app' })!;
    expect(restore.argv).toEqual(['psql', '--no-psqlrc', '--quiet', '-v', 'ON_ERROR_STOP=1', '--dbname=postgres://admin@db2/app']);
    expect(restore.wrap).toEqual({ before: 'BEGIN;\n', after: '\nCOMMIT;\n' });
    expect(restore.env).toEqual({ PGPASSWORD: 'pw2222' });
    expect(restoreCommand({ type: 'command', argv: ['x'], extension: 'bin', timeout_s: 60 })).toBeNull();
    // A target's own restore: argv wins, whatever the format; a verify goes into the scratch database.
    expect(restoreCommand({ type: 'command', argv: ['x'], extension: 'tsv', timeout_s: 60, restore: ['clickhouse-client', '--query', 'INSERT INTO t FORMAT TSV'] })).toEqual({ argv: ['clickhouse-client', '--query', 'INSERT INTO t FORMAT TSV'], env: {} });
    expect(restoreCommand(target, { format: 'custom', intoUrl: 'postgres://v:pw3333@db3/scratch' })!.argv).toEqual(['pg_restore', '--single-transaction', '--exit-on-error', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--dbname=postgres://v@db3/scratch']);
    expect(dumpCommand(target, '00000003-0000001B-1').argv).toContain('--snapshot=00000003-0000001B-1');
  });
});
