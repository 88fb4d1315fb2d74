import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { fingerprint, seedDatabase, tableCount } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';

const BIN = resolve('bin/firebreak.js');

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

/**
 * The backup round trip as people run it from a terminal: `firebreak run` as a child process with
 * a config file, Firebreak's own store on a scratch PostgreSQL database (DATABASE_URL), pg_dump and
 * psql for real, backups in a directory. Each step is a separate process, as it would be in chat.
 */
describe('firebreak run "/backup now|list|restore" + --action confirm (child processes, PostgreSQL store)', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-backup-cli-'));
  let store: TestDb;
  let source: TestDb;
  let restored: TestDb;

  /** `osAccount`: run as another OS account (uid/gid), as a second person on the same host would. */
  // A child left by a timed-out test would still hold the store when the next test's child starts.
  const children = reapChildren();
  const firebreak = (args: string[], osAccount?: { uid: number; gid: number }) =>
    children.track(
      execa(process.execPath, [BIN, ...args], {
        cwd: dir,
        reject: false,
        timeout: 90_000,
        ...osAccount,
        env: {
          FIREBREAK_CONFIG: join(dir, 'firebreak.yml'),
          FIREBREAK_DATA_DIR: join(dir, 'data'),
          DATABASE_URL: store.url,
          LOG_LEVEL: 'warn',
          PATH: process.env.PATH ?? '',
          HOME: dir,
        },
        extendEnv: false,
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  beforeAll(async () => {
    store = await createTestDatabase('fb_bkcli_store');
    source = await createTestDatabase('fb_bkcli_src');
    restored = await createTestDatabase('fb_bkcli_dst');
    await seedDatabase(source.url, 500);
    // The second person runs as another OS account: it reads the config and the backup files.
    chmodSync(dir, 0o755);
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
# The test names console users with --as; the second person is still another OS account.
console:
  allow_as: true
roles:
  responders: ["console:alice"]
  admins: ["console:alice", "console:bob"]
backups:
  destination: { dir: "${join(dir, 'backups')}" }
  targets:
    app:
      type: postgres
      url: ${source.url}
      format: plain
      restore_url: ${restored.url}
`,
    );
  });
  afterAll(async () => {
    for (const d of [store, source, restored]) await d?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  // Each child gets 90 s (pg_dump and a restore on a busy machine); a test the sum over its children.
  it('backs up, lists, asks a second person, restores: the restored database has the same rows', { timeout: 6 * 90_000 + 10_000 }, async () => {
    const now = await firebreak(['run', '/backup now', '--as', 'alice']);
    expect(now.code, now.stdout + now.stderr).toBe(0);
    expect(now.stderr).toContain('… Backing up app…');
    expect(now.stdout).toMatch(/^app backed up: [\d.]+ (KB|MB) gzipped in /);
    const id = /^ {2}Backup: (bk-[0-9a-f]{8})$/m.exec(now.stdout)?.[1];
    expect(id).toBeDefined();
    expect(now.stdout).toMatch(/^ {2}sha256: [0-9a-f]{64}$/m);
    expect(readdirSync(join(dir, 'backups', 'app'))).toEqual([expect.stringMatching(new RegExp(`-${id}\\.sql\\.gz$`))]);

    const list = await firebreak(['run', '/backup list', '--as', 'bob']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^ {2}✅ ${id} +app .* complete +by alice$`, 'm'));

    const card = await firebreak(['run', `/backup restore ${id}`, '--as', 'alice']);
    expect(card.code).toBe(0);
    expect(card.stdout).toContain(`Target database: 127.0.0.1:5432/${restored.name}`);
    expect(card.stdout).toContain('Needs a second person');
    const confirm = /\[Restore\] (confirm:\S+)/.exec(card.stdout)?.[1];
    expect(confirm, card.stdout).toBeDefined();

    // The person who asked cannot approve it; nothing is restored.
    const self = await firebreak(['run', '--action', confirm!, '--as', 'alice']);
    expect(self.code).toBe(2);
    expect(self.stdout).toContain('someone else with the "admins" role must confirm it');
    expect(await tableCount(restored.url)).toBe(0);

    // Nor can they by naming someone else: --as bob from the requester's own OS account is still them.
    const osUser = userInfo().username;
    const sameAccount = await firebreak(['run', '--action', confirm!, '--as', 'bob']);
    expect(sameAccount.code).toBe(2);
    expect(sameAccount.stdout).toContain(`A second person must confirm: you (OS user ${osUser}) requested this as alice, and --as does not make you someone else. Nothing was run.`);
    expect(await tableCount(restored.url)).toBe(0);

    // bob at his own OS account (here: nobody, uid 65534; switching accounts needs root, as CI runs).
    if (process.getuid?.() !== 0) throw new Error('This test runs the second person as another OS account (uid 65534) and so must run as root, as .ci/run does.');
    const done = await firebreak(['run', '--action', confirm!, '--as', 'bob'], { uid: 65534, gid: 65534 });
    expect(done.code, done.stdout + done.stderr).toBe(0);
    expect(done.stdout).toMatch(new RegExp(`^127\\.0\\.0\\.1:5432/${restored.name} restored from ${id} in .*: 3 tables, 1600 rows$`, 'm'));
    expect(done.stdout).toMatch(/^ {2}✅ customers +500 rows$/m);
    expect(done.stdout).toMatch(/^ {2}✅ orders +1000 rows$/m);
    expect(await fingerprint(restored.url)).toEqual(await fingerprint(source.url));
  });

  it('list --all marks an object Firebreak did not make; unknown names and unverifiable targets: one sentence, exit 2, nothing restored', { timeout: 3 * 90_000 + 10_000 }, async () => {
    writeFileSync(join(dir, 'backups', 'postgres_backup_20250103_030000.sql.gz'), 'not really gzip');
    const all = await firebreak(['run', '/backup list --all', '--as', 'bob']);
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toMatch(/^ {2}ℹ️ postgres_backup_20250103_030000\.sql\.gz +15 B .* not made by Firebreak$/m);

    const unknown = await firebreak(['run', '/backup restore postgres_backup_20990101_000000.sql.gz', '--as', 'alice']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain(`There is no backup or object "postgres_backup_20990101_000000.sql.gz" in ${join(dir, 'backups')}; /backup list --all lists what is there.`);
    const verify = await firebreak(['run', '/backup verify latest app', '--as', 'alice']);
    expect(verify.code).toBe(2);
    expect(verify.stdout).toContain('app has no verify_url: add backups.targets.app.verify_url, a scratch database the test restore may overwrite.');
    expect(await tableCount(restored.url)).toBe(3);
  });
});
