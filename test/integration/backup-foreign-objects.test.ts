import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';
import { fingerprint, seedDatabase, tableCount } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';
import { startFakeS3, type FakeS3 } from '../fakes/s3-server.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

const RECORD_STDIN = resolve('test/fakes/record-stdin.mjs');
const FOREIGN = 'postgres_backup_20250103_030000.sql.gz';

const roles = `
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:alice", "console:bob"]
`;

/** Restores of objects Firebreak did not make, and targets that restore through their own `restore:` argv. */
describe('/backup list --all and restores beyond our own backups', { timeout: 120_000 }, () => {
  let source: TestDb;
  const dbs: TestDb[] = [];
  let s3: FakeS3;
  let dir: string;
  let expected: Awaited<ReturnType<typeof fingerprint>>;
  /** What the runbook's cron job leaves in the bucket: pg_dump's plain SQL, gzipped. */
  let foreignDump: Buffer;

  beforeAll(async () => {
    source = await createTestDatabase('fb_bk_fsrc');
    await seedDatabase(source.url, 500);
    expected = await fingerprint(source.url);
    foreignDump = gzipSync(execFileSync('pg_dump', ['--format=plain', '--no-owner', '--no-privileges', `--dbname=${source.url}`], { maxBuffer: 64 * 1024 * 1024 }));
    s3 = await startFakeS3(['backups']);
    dir = await mkdtemp(join(tmpdir(), 'fb-foreign-'));
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
    for (const d of [source, ...dbs]) await d?.drop();
  });

  async function freshDb(): Promise<TestDb> {
    const d = await createTestDatabase('fb_bk_fdst');
    dbs.push(d);
    return d;
  }
  const type = (app: App, actor: Actor, text: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text } });
  const press = (app: App, actor: Actor, actionId: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

  it('S3: list --all shows the foreign object, marked; a second person restores its rows; unknown names are refused', async () => {
    const dst = await freshDb();
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new PutObjectCommand({ Bucket: 'backups', Key: `nightly/${FOREIGN}`, Body: foreignDump }));
    client.destroy();
    const app = await testApp(`${roles}
backups:
  destination:
    s3: { bucket: backups, prefix: nightly, endpoint: "${s3.endpoint}", force_path_style: true, access_key_id: S3RVER, secret_access_key: S3RVER }
  targets:
    pg: { type: postgres, url: "${source.url}", format: custom, restore_url: "${dst.url}" }
`);
    try {
      const now = await type(app, alice, '/backup now pg');
      expect(now.status, now.reply.text).toBe('ok');
      const id = now.reply.fields!.find((f) => f.label === 'Backup')!.value;

      const list = await type(app, bob, '/backup list --all');
      expect(list.status).toBe('ok');
      const rows = list.reply.rows!.map((r) => r.cells);
      expect(rows.find((c) => c[0] === FOREIGN)?.[3]).toBe('not made by Firebreak');
      expect(rows.find((c) => c[0]!.startsWith('pg/'))?.[3]).toBe(`Firebreak backup ${id} of pg`);
      expect(list.reply.context).toContain('1 not made by Firebreak');
      // Without --all: only Firebreak's own records.
      const plain = await type(app, bob, '/backup list');
      expect(plain.reply.rows!.map((r) => r.cells[0])).toEqual([id]);

      const unknown = await type(app, alice, '/backup restore postgres_backup_20990101_000000.sql.gz');
      expect(unknown.status).toBe('invalid');
      expect(unknown.reply.text).toBe('There is no backup or object "postgres_backup_20990101_000000.sql.gz" in s3://backups/nightly/; /backup list --all lists what is there.');
      const sneaky = await type(app, alice, '/backup restore ../other-bucket/x.sql.gz');
      expect(sneaky.status).toBe('invalid');
      expect(await tableCount(dst.url)).toBe(0);

      const card = await type(app, alice, `/backup restore ${FOREIGN}`);
      expect(card.status).toBe('pending');
      expect(card.reply.title).toBe(`Restore 127.0.0.1:5432/${dst.name} from ${FOREIGN} (not made by Firebreak)?`);
      const fields = Object.fromEntries(card.reply.fields!.map((f) => [f.label, f.value]));
      expect(fields.Location).toBe(`s3://backups/nightly/${FOREIGN}`);
      expect(fields.Size).toContain(`(${foreignDump.length} bytes)`);
      expect(fields.Object).toContain('not made by Firebreak');
      expect(card.reply.code).toMatch(/^psql --no-psqlrc/);
      const confirm = card.reply.buttons![0]!.actionId;
      expect((await press(app, alice, confirm)).status).toBe('denied');
      expect(await tableCount(dst.url)).toBe(0);

      const done = await press(app, bob, confirm);
      expect(done.status, done.reply.text).toBe('ok');
      expect(done.reply.title).toContain(`restored from ${FOREIGN}`);
      expect(done.reply.title).toContain('3 tables, 1600 rows');
      expect(await fingerprint(dst.url)).toEqual(expected);
      const started = (await app.ports.timeline.list({ limit: 100 })).find((e) => e.kind === 'backup.restore.started');
      expect(started?.detail.object).toBe(FOREIGN);
    } finally {
      await app.close();
    }
  });

  it('a directory: an object replaced after the card was shown is not restored', async () => {
    const dst = await freshDb();
    const local = join(dir, 'replaced');
    await mkdir(local, { recursive: true });
    await writeFile(join(local, FOREIGN), foreignDump);
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${local}" }
  targets:
    pg: { type: postgres, url: "${source.url}", restore_url: "${dst.url}" }
`);
    try {
      const card = await type(app, alice, `/backup restore ${FOREIGN}`);
      expect(card.status).toBe('pending');
      await writeFile(join(local, FOREIGN), gzipSync('DROP TABLE IF EXISTS customers;\n'));
      await utimes(join(local, FOREIGN), new Date(), new Date(Date.now() + 60_000));
      const done = await press(app, bob, card.reply.buttons![0]!.actionId);
      expect(done.status).toBe('failed');
      expect(done.reply.text).toMatch(new RegExp(`^${FOREIGN.replace(/\./g, '\\.')} changed since the card was shown .* Nothing was restored\\.$`));
      expect(await tableCount(dst.url)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('restore: argv reads the backup on stdin, gunzipped (a Firebreak backup and a plain foreign .tsv); its secret is masked on the card', async () => {
    const local = join(dir, 'clickhouse');
    await mkdir(local, { recursive: true });
    const out = join(local, 'restore-call.json');
    const table = 'id\tname\n1\talpha\n2\tbeta\n';
    await writeFile(join(local, 'traces_20250103.tsv'), table);
    const app = await testApp(
      `${roles}
backups:
  destination: { dir: "${join(local, 'store')}" }
  targets:
    traces:
      type: command
      argv: ["node", "-e", "process.stdout.write(${JSON.stringify(JSON.stringify(table)).slice(1, -1)})"]
      extension: tsv
      restore: ["node", "${RECORD_STDIN}", "${out}", "--password=\${CH_PASSWORD}", "--query", "INSERT INTO t FORMAT TabSeparatedWithNames"]
`,
      { env: { CH_PASSWORD: 'ch-secret-0123456789' } },
    );
    try {
      const now = await type(app, alice, '/backup now traces');
      expect(now.status, now.reply.text).toBe('ok');
      const id = now.reply.fields!.find((f) => f.label === 'Backup')!.value;
      const card = await type(app, alice, `/backup restore ${id}`);
      expect(card.status).toBe('pending');
      expect(card.reply.code).toContain('--query');
      expect(card.reply.code).not.toContain('ch-secret-0123456789');
      expect(card.reply.code).toContain('***');
      const done = await press(app, bob, card.reply.buttons![0]!.actionId);
      expect(done.status, done.reply.text).toBe('ok');
      const call = JSON.parse(readFileSync(out, 'utf8')) as { args: string[]; stdin: string };
      // The tool got the real password, and the backup gunzipped on its stdin.
      expect(call.args).toEqual(['--password=ch-secret-0123456789', '--query', 'INSERT INTO t FORMAT TabSeparatedWithNames']);
      expect(call.stdin).toBe(table);
      const events = await app.ports.timeline.list({ limit: 100 });
      expect(JSON.stringify(events)).not.toContain('ch-secret-0123456789');

      // A foreign object that is not gzipped at all is fed as it is.
      await rm(out);
      const other = await testApp(
        `${roles}
backups:
  destination: { dir: "${local}" }
  targets:
    traces:
      type: command
      argv: ["true"]
      restore: ["node", "${RECORD_STDIN}", "${out}"]
`,
      );
      try {
        const card2 = await type(other, alice, '/backup restore traces_20250103.tsv');
        expect(card2.status, card2.reply.text).toBe('pending');
        const done2 = await press(other, bob, card2.reply.buttons![0]!.actionId);
        expect(done2.status, done2.reply.text).toBe('ok');
        expect(existsSync(out)).toBe(true);
        expect((JSON.parse(readFileSync(out, 'utf8')) as { stdin: string }).stdin).toBe(table);
      } finally {
        await other.close();
      }
    } finally {
      await app.close();
    }
  });
});
