import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';
import { seedDatabase, tableCount } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';
import { startFakeS3, type FakeS3 } from '../fakes/s3-server.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

const roles = `
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:alice", "console:bob"]
`;

/** Writes `mb` MB of incompressible bytes to stdout, then exits with `code`: a dump that dies mid-stream. */
function dyingDump(mb: number, code: number): string {
  const script = `const c=require('crypto');let n=${mb};(function w(){while(n>0){n--;if(!process.stdout.write(c.randomBytes(1048576)))return process.stdout.once('drain',w)}process.stderr.write('dump: connection lost\\n');process.exitCode=${code}})()`;
  return JSON.stringify(['node', '-e', script]);
}

const text = (actor: typeof alice, t: string) => ({ actor, channel: consoleChan, input: { kind: 'text' as const, text: t } });

describe('backup failure paths: nothing recorded as complete, nothing left behind, a clear message, a timeline entry', () => {
  let s3: FakeS3;
  let dir: string;
  let source: TestDb;
  let target: TestDb;

  beforeAll(async () => {
    s3 = await startFakeS3(['backups']);
    dir = await mkdtemp(join(tmpdir(), 'fb-backups-fail-'));
    source = await createTestDatabase('fb_bkf_src');
    await seedDatabase(source.url, 200);
    target = await createTestDatabase('fb_bkf_dst');
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
    await source?.drop();
    await target?.drop();
  });

  function s3Config(bucket = 'backups', endpoint = s3.endpoint): string {
    return `destination:
    s3: { bucket: ${bucket}, endpoint: "${endpoint}", force_path_style: true, access_key_id: S3RVER, secret_access_key: S3RVER, part_size_mb: 5 }`;
  }

  async function failedRecordOnly(app: App, target: string) {
    const records = await app.ports.backups!.records.list({ target });
    expect(records.map((r) => r.status)).toEqual(['failed']);
    return records[0]!;
  }

  async function lastCommandEvent(app: App) {
    const events = await app.ports.timeline.list({ limit: 20 });
    return events.find((e) => e.kind === 'command' && e.command === 'backup')!;
  }

  it('a command target that dies mid-stream (12 MB written, then exit 1): multipart upload aborted, no object, failed record', async () => {
    const app = await testApp(`${roles}
backups:
  ${s3Config()}
  targets:
    clickhouse: { type: command, argv: ${dyingDump(12, 1)}, extension: native }
`);
    try {
      const r = await app.dispatcher.dispatch(text(alice, '/backup now clickhouse'));
      expect(r.status).toBe('failed');
      expect(r.reply.title).toBe('Backup of clickhouse failed');
      expect(r.reply.text).toContain('node exited with 1: dump: connection lost');
      expect(r.reply.text).toContain('No backup was recorded');
      const rec = await failedRecordOnly(app, 'clickhouse');
      expect(rec.error).toContain('exited with 1');
      expect(rec.sha256).toBeNull();
      expect(await s3.keys('backups')).toEqual([]);
      const ev = await lastCommandEvent(app);
      expect(ev.outcome).toBe('failed');
      expect(ev.exitCode).toBe(1);
      expect(ev.output).toContain('connection lost');
    } finally {
      await app.close();
    }
  });

  it('pg_dump of a database that does not exist, to a directory: no file (not even a .partial), failed record', async () => {
    const missing = new URL(source.url);
    missing.pathname = '/fb_no_such_database';
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    pg: { type: postgres, url: "${missing.toString()}" }
`);
    try {
      const r = await app.dispatcher.dispatch(text(alice, '/backup now'));
      expect(r.status).toBe('failed');
      expect(r.reply.text).toMatch(/pg_dump exited with 1: .*database "fb_no_such_database" does not exist/);
      await failedRecordOnly(app, 'pg');
      expect(await readdir(join(dir, 'pg')).catch(() => [])).toEqual([]);
      expect((await lastCommandEvent(app)).outcome).toBe('failed');
    } finally {
      await app.close();
    }
  });

  it('the S3 server refuses (no such bucket) and is unreachable (stopped): failed with the reason, nothing stored', async () => {
    const stopped = await startFakeS3(['backups']);
    const deadEndpoint = stopped.endpoint;
    await stopped.close();
    for (const [cfg, reason] of [
      [s3Config('no-such-bucket'), /NoSuchBucket|does not exist/],
      [s3Config('backups', deadEndpoint), /ECONNREFUSED|connect/],
    ] as const) {
      const app = await testApp(`${roles}
backups:
  ${cfg}
  targets:
    pg: { type: postgres, url: "${source.url}" }
`);
      try {
        const r = await app.dispatcher.dispatch(text(alice, '/backup now pg'));
        expect(r.status).toBe('failed');
        expect(r.reply.text).toMatch(/^upload to s3:\/\/[a-z-]+\/pg\/.* failed: /);
        expect(r.reply.text).toMatch(reason);
        await failedRecordOnly(app, 'pg');
        expect((await lastCommandEvent(app)).outcome).toBe('failed');
      } finally {
        await app.close();
      }
    }
    expect(await s3.keys('backups')).toEqual([]);
  });

  it('a tampered backup is refused at restore: checksum mismatch, nothing restored, timeline says so', async () => {
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    pg: { type: postgres, url: "${source.url}", format: plain, restore_url: "${target.url}" }
`);
    try {
      const now = await app.dispatcher.dispatch(text(alice, '/backup now pg'));
      expect(now.status, now.reply.text).toBe('ok');
      const id = now.reply.fields!.find((f) => f.label === 'Backup')!.value;
      const rec = (await app.ports.backups!.records.get(id))!;
      await appendFile(rec.location!, 'tampered');
      const card = await app.dispatcher.dispatch(text(alice, `/backup restore ${id}`));
      const done = await app.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'action', actionId: card.reply.buttons![0]!.actionId } });
      expect(done.status).toBe('failed');
      expect(done.reply.title).toBe(`Restore of 127.0.0.1:5432/${target.name} failed`);
      expect(done.reply.text).toMatch(/^Checksum mismatch: .* the recorded backup has [0-9a-f]{16}…\. The object was changed or damaged; nothing was restored\.$/);
      expect(await tableCount(target.url)).toBe(0);
      const finished = (await app.ports.timeline.list({ invocationId: card.invocationId })).find((e) => e.kind === 'action.finished')!;
      expect(finished.outcome).toBe('failed');
      expect(finished.output).toContain('Checksum mismatch');
    } finally {
      await app.close();
    }
  });

  it('refuses a second /backup now of the same target while one runs: "already running, started by alice"', async () => {
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    slow: { type: command, argv: ["node", "-e", "setTimeout(() => process.stdout.write('data'), 1500)"] }
`);
    try {
      const first = app.dispatcher.dispatch(text(alice, '/backup now slow'));
      await new Promise((r) => setTimeout(r, 400));
      const second = await app.dispatcher.dispatch(text(bob, '/backup now slow'));
      expect(second.status).toBe('denied');
      expect(second.reply.text).toMatch(/^Backup of slow is already running, started by alice at \d{4}-.*Z\. Try again when it has finished\.$/);
      expect((await first).status).toBe('ok');
      const records = await app.ports.backups!.records.list({ target: 'slow' });
      expect(records.map((r) => r.status)).toEqual(['complete']);
    } finally {
      await app.close();
    }
  });

  it('only admins may restore, only complete backups restore, and /backup now needs responders', async () => {
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    pg: { type: postgres, url: "${source.url}", restore_url: "${target.url}" }
`);
    try {
      const denied = await app.dispatcher.dispatch(text(mallory, '/backup now'));
      expect(denied.status).toBe('denied');
      expect(denied.reply.text).toContain('needs the "responders" role');
      await app.ports.backups!.records.start({ id: 'bk-broken1', target: 'pg', trigger: 'manual', requestedBy: 'alice', location: join(dir, 'x') });
      await app.ports.backups!.records.fail('bk-broken1', 'pg_dump exited with 1', 10);
      const notComplete = await app.dispatcher.dispatch(text(alice, '/backup restore bk-broken1'));
      expect(notComplete.status).toBe('invalid');
      expect(notComplete.reply.text).toBe('bk-broken1 is failed, not complete: only complete backups can be restored. Nothing was restored.');
      const notAdmin = await app.dispatcher.dispatch(text(mallory, '/backup restore bk-broken1'));
      expect(notAdmin.status).toBe('denied');
      expect(notAdmin.reply.text).toContain('needs the "admins" role');
      const unknown = await app.dispatcher.dispatch(text(alice, '/backup now mysql'));
      expect(unknown.reply.text).toBe('There is no backup target "mysql". Targets: pg.');
    } finally {
      await app.close();
    }
  });

  it('embedded mode with no targets says so plainly', async () => {
    const app = await testApp(roles);
    try {
      const r = await app.dispatcher.dispatch(text(alice, '/backup now'));
      expect(r.status).toBe('failed');
      expect(r.reply.title).toBe('No backup targets are configured');
      expect(r.reply.text).toContain('embedded store (no DATABASE_URL), which is not backed up by pg_dump');
    } finally {
      await app.close();
    }
  });
});
