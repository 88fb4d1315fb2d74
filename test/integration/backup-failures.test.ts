import { createHash } from 'node:crypto';
import { appendFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import { execa } from 'execa';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import type { Logger } from '../../src/core/ports.js';
import { runBackupJob } from '../../src/backups/run-backup-job.js';
import { S3ObjectStore } from '../../src/integrations/backup/object-store.js';
import { streamBackup } from '../../src/integrations/backup/stream-backup.js';
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

describe('backup failure paths: nothing recorded as complete, nothing left behind, a clear message, a timeline entry', { timeout: 90_000 }, () => {
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
      expect(r.reply.text).toMatch(/No backup was recorded \(bk-[0-9a-f]{8} is marked failed\) and nothing was left at the destination\.$/);
      const rec = await failedRecordOnly(app, 'clickhouse');
      expect(rec.error).toContain('exited with 1');
      expect(rec.sha256).toBeNull();
      expect(await s3.keys('backups')).toEqual([]);
      // The multipart upload (12 MB in 5 MB parts) was really aborted: the fake saw the request and no parts remain.
      expect(s3.aborts).toEqual([{ bucket: 'backups', key: rec.location!.replace('s3://backups/', ''), uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 204 }]);
      expect(await s3.pendingUploads('backups')).toEqual([]);
      const ev = await lastCommandEvent(app);
      expect(ev.outcome).toBe('failed');
      expect(ev.exitCode).toBe(1);
      expect(ev.output).toContain('connection lost');
    } finally {
      await app.close();
    }
  });

  it('an abort the S3 server refuses is reported with bucket, key and upload id (reply, record, log), not swallowed', async () => {
    const app = await testApp(`${roles}
backups:
  ${s3Config()}
  targets:
    clickhouse: { type: command, argv: ${dyingDump(12, 1)}, extension: native }
`);
    s3.refuseAborts = true;
    s3.aborts.length = 0;
    try {
      const logged: string[] = [];
      const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_o, msg) => void logged.push(msg ?? '') };
      const job = await runBackupJob(app.loaded.config, { ...app.ports, logger }, { target: 'clickhouse', trigger: 'manual', requestedBy: 'alice' });
      if (job.kind !== 'done') throw new Error(job.kind);
      expect(job.result.ok).toBe(false);
      const key = job.record.location!.replace('s3://backups/', '');
      const uploadId = s3.aborts[0]!.uploadId;
      // The SDK retries a 500 once (maxAttempts 2): every abort request was for this upload.
      expect(s3.aborts.length).toBeGreaterThanOrEqual(1);
      expect(s3.aborts.every((a) => a.key === key && a.uploadId === uploadId && a.status === 500)).toBe(true);
      const leftover = `Aborting multipart upload ${uploadId} of s3://backups/${key} also failed (InternalError: We encountered an internal error. Please try again.); its parts stay in bucket backups and are billed until removed: aws s3api abort-multipart-upload --bucket backups --key ${key} --upload-id ${uploadId}`;
      expect(job.result.problem).toBe(`node exited with 1: dump: connection lost. ${leftover}`);
      expect(job.result.leftBehind).toBe(true);
      expect(job.record.error).toContain(leftover);
      expect(logged).toEqual([`backup ${job.record.id} of clickhouse failed: node exited with 1: dump: connection lost. ${leftover}`]);
      expect(await s3.pendingUploads('backups')).toEqual([key]);
    } finally {
      s3.refuseAborts = false;
      await app.close();
    }
  });

  it('/backup now whose abort the S3 server refuses does not claim nothing was left at the destination', async () => {
    const app = await testApp(`${roles}
backups:
  ${s3Config()}
  targets:
    clickhouse: { type: command, argv: ${dyingDump(12, 1)}, extension: native }
`);
    s3.refuseAborts = true;
    try {
      const r = await app.dispatcher.dispatch(text(alice, '/backup now clickhouse'));
      expect(r.status).toBe('failed');
      expect(r.reply.text).toContain('its parts stay in bucket backups and are billed until removed');
      expect(r.reply.text).toMatch(/No backup was recorded \(bk-[0-9a-f]{8} is marked failed\)\.$/);
    } finally {
      s3.refuseAborts = false;
      await app.close();
    }
  });

  it('a stalled S3 connection fails the upload after the idle timeout instead of hanging', async () => {
    const store = new S3ObjectStore({ bucket: 'backups', prefix: '', endpoint: s3.endpoint, region: 'us-east-1', force_path_style: true, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', part_size_mb: 5 }, { idleMs: 1000 });
    s3.stallUploads = true;
    try {
      // A stalled upload with no idle timeout would hang past the test's own timeout; the message says
      // which of the store's limits ended it.
      await expect(store.put('s3://backups/stalled/object.gz', Readable.from([Buffer.from('some bytes')]))).rejects.toThrow(/^upload to s3:\/\/backups\/stalled\/object\.gz failed: .*timed out after 1000 ms of inactivity/);
    } finally {
      s3.stallUploads = false;
    }
    expect(await s3.keys('backups')).not.toContain('stalled/object.gz');
  });

  it('shutdown during an S3 upload whose dump already finished: fails at once, no object, the multipart upload aborted', async () => {
    // A proxy in front of the fake that stops forwarding on connections that start a PUT (a part
    // upload) while `stall` is set, and drops the fake's side when the client gives up, so no
    // half-read request is left open in the fake.
    let stall = true;
    const sockets = new Set<Socket>();
    const proxy = createServer((client) => {
      sockets.add(client);
      const upstream = connect(s3.port, '127.0.0.1');
      let held = false;
      client.on('data', (chunk: Buffer) => {
        if (stall && chunk.subarray(0, 4).toString() === 'PUT ') held = true;
        if (!held) upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => {});
      upstream.on('error', () => {});
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const store = new S3ObjectStore({ bucket: 'backups', prefix: '', endpoint, region: 'us-east-1', force_path_style: true, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', part_size_mb: 5 }, { idleMs: 600_000 });
    const marker = join(dir, 'stopped-upload.dump-exited');
    // Two 5 MB parts (both uploading at once, queueSize 2) and a tail small enough to sit in pipe
    // buffers: the dump exits while its parts are still uploading.
    const script = `const c=require('crypto');process.on('exit',()=>require('fs').writeFileSync(${JSON.stringify(marker)},String(process.pid)));process.stdout.write(c.randomBytes(10*1048576+20000))`;
    const key = 'stopped/object.gz';
    const controller = new AbortController();
    s3.aborts.length = 0;
    try {
      const backup = streamBackup({ dump: { argv: ['node', '-e', script], env: {} }, store, location: `s3://backups/${key}`, timeoutMs: 60_000, compressionLevel: 1, signal: controller.signal });
      const deadline = Date.now() + 15_000;
      // The marker is written as the dump exits; it has finished once its pid is gone (reaped), so
      // the shutdown below cannot catch it mid-exit on a busy machine.
      const gone = async () => {
        if (!(await readdir(dir)).includes('stopped-upload.dump-exited')) return false;
        const pid = Number(await readFile(marker, 'utf8'));
        try {
          process.kill(pid, 0);
          return false;
        } catch {
          return true;
        }
      };
      while (!(await gone())) {
        if (Date.now() > deadline) throw new Error('the dump did not exit');
        await new Promise((r) => setTimeout(r, 50));
      }
      controller.abort(new Error('Firebreak is shutting down'));
      // Promptly: the stalled parts would only time out after 10 minutes of inactivity, far past the
      // test's own timeout, so only the abort can end them.
      const result = await backup;
      expect(result.ok).toBe(false);
      expect(result.exitCode).toBe(0);
      expect(result.problem).toBe(`upload to s3://backups/${key} was stopped: Firebreak is shutting down`);
      expect(s3.aborts).toEqual([{ bucket: 'backups', key, uploadId: expect.stringMatching(/^[0-9a-f]{32}$/), status: 204 }]);
      expect(await s3.pendingUploads('backups')).not.toContain(key);
      expect(await s3.keys('backups')).not.toContain(key);
    } finally {
      stall = false;
      for (const c of sockets) c.destroy();
      await new Promise((r) => proxy.close(r));
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

  it('a backup that breaks off mid-COPY (truncated gzip, checksum matching its record): psql is stopped before it commits, nothing restored', async () => {
    const dst = await createTestDatabase('fb_bkf_trunc');
    try {
      const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    pg: { type: postgres, url: "${source.url}", format: plain, restore_url: "${dst.url}" }
`);
      try {
        // A plain dump cut at a line boundary in the middle of a table's COPY data, gzipped without
        // its end: gunzip yields every complete line, then fails with "unexpected end of file".
        const sql = String((await execa('pg_dump', ['--format=plain', '--clean', '--if-exists', '--no-owner', '--no-privileges', `--dbname=${source.url}`])).stdout);
        const copyAt = sql.indexOf('COPY public.customers');
        expect(copyAt).toBeGreaterThan(0);
        let cut = copyAt;
        for (let i = 0; i < 101; i++) cut = sql.indexOf('\n', cut) + 1; // the COPY line and 100 rows
        const gz = createGzip();
        const chunks: Buffer[] = [];
        gz.on('data', (c: Buffer) => chunks.push(c));
        gz.write(sql.slice(0, cut));
        await new Promise<void>((resolve) => gz.flush(zlibConstants.Z_SYNC_FLUSH, () => resolve()));
        const truncated = Buffer.concat(chunks);
        const location = join(dir, 'pg', 'truncated.sql.gz');
        await mkdir(join(dir, 'pg'), { recursive: true });
        await writeFile(location, truncated);
        const records = app.ports.backups!.records;
        await records.start({ id: 'bk-trunc001', target: 'pg', trigger: 'manual', requestedBy: 'alice', location });
        await records.complete('bk-trunc001', { sizeBytes: truncated.length, sha256: createHash('sha256').update(truncated).digest('hex'), durationMs: 10 });

        const card = await app.dispatcher.dispatch(text(alice, '/backup restore bk-trunc001'));
        expect(card.status).toBe('pending');
        const done = await app.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'action', actionId: card.reply.buttons![0]!.actionId } });
        expect(done.status).toBe('failed');
        // Not even the tables whose CREATE statements psql had already run (before the fix psql saw
        // EOF and committed: three tables, 100 customers).
        expect(await tableCount(dst.url)).toBe(0);
        expect(done.reply.text).toBe('The backup could not be read to the end (unexpected end of file), so psql was stopped before it could commit; its transaction was rolled back and nothing was restored');
      } finally {
        await app.close();
      }
    } finally {
      await dst.drop();
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

  it('/backup now by someone without the role: refused by the step runner before any progress, lease or record', async () => {
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
  targets:
    pg: { type: postgres, url: "${source.url}" }
`);
    try {
      const shown: string[] = [];
      const sink = { progress: async (r: { title: string }) => void shown.push(r.title) };
      const denied = await app.dispatcher.dispatch(text(mallory, '/backup now'), sink);
      expect([denied.status, denied.reply.title]).toEqual(['denied', 'Not allowed: /backup now']);
      expect(shown).toEqual([]);
      expect(await app.ports.backups!.records.list({ target: 'pg', limit: 10 })).toEqual([]);
      const ran = await app.dispatcher.dispatch(text(alice, '/backup now'), sink);
      expect(ran.status).toBe('ok');
      expect(shown[0]).toBe('Backing up pg…');
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
