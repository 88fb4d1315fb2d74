import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LeaseInfo, LeaseRepository } from '../../src/core/ports.js';
import { stopBackupJobs } from '../../src/backups/backup-jobs.js';
import { backupLeaseKey } from '../../src/backups/backup-targets.js';
import { runBackupJob } from '../../src/backups/run-backup-job.js';
import { BackupScheduler } from '../../src/scheduler/backup-scheduler.js';
import { RecordingChat } from '../fakes/recording-chat.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';

type TestApp = Awaited<ReturnType<typeof testApp>>;

const roles = `
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:alice", "console:bob"]
`;

/** A command target that writes `data` after `ms` milliseconds. */
const slowTarget = (ms: number) => `{ type: command, argv: ["node", "-e", "setTimeout(() => process.stdout.write('data'), ${ms})"], extension: txt }`;

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('backup lifecycle: shutdown waits or stops, start-up sweep, retention under the lease, reports', { timeout: 120_000 }, () => {
  let dir: string;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-backups-life-'));
  });
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function app(yaml: string): Promise<TestApp> {
    const a = await testApp(yaml);
    apps.push(a);
    return a;
  }

  it('stop() waits for a running scheduled backup: its record ends complete, not "running"', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/wait" }
  targets:
    slow: ${slowTarget(1500)}
`);
    const scheduler = new BackupScheduler(a.loaded.config, a.ports);
    const fired = scheduler.fire('slow', new Date('2026-11-25T03:00:00Z'));
    const running = await until('the backup to start', async () => (await a.ports.backups!.records.list({ target: 'slow' }))[0]);
    expect(running.status).toBe('running');
    await scheduler.stop();
    // Nothing of the job is left to run after stop(): the record is final.
    expect((await a.ports.backups!.records.get(running.id))!.status).toBe('complete');
    expect(await fired).toBe('ran');
    // And a backup asked for after stop() is refused, not started under a closing store.
    const late = await a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now slow' } });
    expect(late.reply.text).toBe('Firebreak is shutting down, so the backup of slow was not started. Nothing was run.');
    expect(await a.ports.backups!.records.list({ target: 'slow' })).toHaveLength(1);
  });

  it('a /backup now still taking its lease when shutdown begins is waited for, starts nothing and frees the lease', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/taking-lease" }
  targets:
    quick: ${slowTarget(10)}
`);
    const inner = a.ports.leases;
    let letThrough!: () => void;
    const gate = new Promise<void>((resolve) => (letThrough = resolve));
    const leases: LeaseRepository = {
      acquire: async (key, holder, ttl) => {
        await gate;
        return inner.acquire(key, holder, ttl);
      },
      renew: (key, id, ttl) => inner.renew(key, id, ttl),
      release: (key, id) => inner.release(key, id),
      current: (key) => inner.current(key),
    };
    const ports = { ...a.ports, leases };
    const job = runBackupJob(a.loaded.config, ports, { target: 'quick', trigger: 'manual', requestedBy: 'alice' });
    let stopped = false;
    const stop = stopBackupJobs(ports, { graceMs: 10_000, abortWaitMs: 1000 }).then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    // Shutdown sees the job although it has not got its lease yet.
    expect(stopped).toBe(false);
    letThrough();
    expect(await job).toEqual({ kind: 'stopping', message: 'Firebreak is shutting down, so the backup of quick was not started. Nothing was run.' });
    await stop;
    expect(await a.ports.backups!.records.list({ target: 'quick' })).toEqual([]);
    expect(await inner.current(backupLeaseKey('quick'))).toBeNull();
  });

  it('stop() past its grace kills the dump of a /backup now, marks the record failed and leaves no file', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/abort" }
  targets:
    stuck: { type: command, argv: ["node", "-e", "process.stdout.write('part'); setTimeout(() => {}, 120000)"], extension: txt }
`);
    const scheduler = new BackupScheduler(a.loaded.config, a.ports);
    // The dump sleeps 120 s, past this test's timeout: only the kill lets it finish in time.
    const now = a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now stuck' } });
    const running = await until('the backup to start', async () => (await a.ports.backups!.records.list({ target: 'stuck' }))[0]);
    await scheduler.stop({ graceMs: 300, abortWaitMs: 10_000 });
    const rec = (await a.ports.backups!.records.get(running.id))!;
    expect(rec.status).toBe('failed');
    expect(rec.error).toBe('node was stopped before it finished: Firebreak is shutting down');
    const reply = await now;
    expect(reply.status).toBe('failed');
    expect(reply.reply.text).toContain('Firebreak is shutting down');
    expect(await readdir(join(dir, 'abort', 'stuck')).catch(() => [])).toEqual([]);
    expect(await a.ports.leases.current(backupLeaseKey('stuck'))).toBeNull();
  });

  it('start() sweeps rows a crashed process left running: old ones failed with a note and their .partial removed; recent ones kept', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/sweep" }
  targets:
    pg: { type: command, argv: ["node", "-e", "process.stdout.write('x')"], timeout_s: 60 }
`);
    const records = a.ports.backups!.records;
    const location = join(dir, 'sweep', 'pg', '2026-11-25T030000Z-bk-crashed1.gz');
    await mkdir(join(dir, 'sweep', 'pg'), { recursive: true });
    await writeFile(`${location}.partial`, 'half a dump');
    await records.start({ id: 'bk-crashed1', target: 'pg', trigger: 'manual', requestedBy: 'alice', location });
    await records.start({ id: 'bk-recent01', target: 'pg', trigger: 'manual', requestedBy: 'alice', location: join(dir, 'sweep', 'pg', 'recent.gz') });
    // timeout_s 60 + the 10 min margin: 20 minutes old cannot be a live backup.
    await a.db.query(`UPDATE backups SET started_at = now() - interval '20 minutes' WHERE id = 'bk-crashed1'`);

    const scheduler = new BackupScheduler(a.loaded.config, a.ports);
    expect(scheduler.start()).toEqual([]);
    await scheduler.stop(); // waits for the sweep start() began

    const crashed = (await records.get('bk-crashed1'))!;
    expect(crashed.status).toBe('failed');
    expect(crashed.error).toMatch(/^Firebreak stopped while this backup was running \(started \d{4}-.*Z\); marked failed at start-up\. It is not a backup\.$/);
    await expect(stat(`${location}.partial`)).rejects.toThrow();
    expect((await records.get('bk-recent01'))!.status).toBe('running');

    const list = await a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup list' } });
    const row = list.reply.rows!.find((r) => r.cells[0] === 'bk-crashed1')!;
    expect(row.cells[5]).toBe('failed');
    expect(row.cells[6]).toContain('Firebreak stopped while this backup was running');
  });

  it('/backup now applies retention too (a target with retention_days and no schedule), while it holds the target lease', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/retention" }
  retention_days: 7
  targets:
    notes: { type: command, argv: ["node", "-e", "process.stdout.write('notes')"], extension: txt }
`);
    const first = await a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now notes' } });
    const oldId = first.reply.fields!.find((f) => f.label === 'Backup')!.value;
    const old = (await a.ports.backups!.records.get(oldId))!;
    await a.db.query(`UPDATE backups SET started_at = now() - interval '8 days' WHERE id = $1`, [oldId]);

    // Who holds the target's lease at the moment an expired object is deleted.
    const runner = a.ports.backups!.runner;
    const remove = runner.remove.bind(runner);
    const leaseAtRemove: (LeaseInfo | null)[] = [];
    runner.remove = async (destination, location) => {
      leaseAtRemove.push(await a.ports.leases.current(backupLeaseKey('notes')));
      return remove(destination, location);
    };

    const second = await a.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'text', text: '/backup now notes' } });
    expect(second.status).toBe('ok');
    const newId = second.reply.fields!.find((f) => f.label === 'Backup')!.value;
    expect((await a.ports.backups!.records.list({ target: 'notes' })).map((r) => r.id)).toEqual([newId]);
    await expect(stat(old.location!)).rejects.toThrow();
    expect(leaseAtRemove).toHaveLength(1);
    expect(leaseAtRemove[0]).toMatchObject({ id: newId, actorName: 'bob', description: 'Backup of notes' });
    const expired = (await a.ports.timeline.list({ limit: 30 })).filter((e) => e.kind === 'backup.expired');
    expect(expired.map((e) => [e.detail.backup, e.actor.name, e.invocationId])).toEqual([[oldId, 'bob', second.invocationId]]);
  });

  it('a backup marked failed while it ran (shutdown, a sweep) does not count: its object is removed and retention keeps the old backup', async () => {
    const a = await app(`${roles}
backups:
  destination: { dir: "${dir}/late" }
  retention_days: 7
  targets:
    slow: ${slowTarget(1500)}
`);
    const first = await a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now slow' } });
    const oldId = first.reply.fields!.find((f) => f.label === 'Backup')!.value;
    await a.db.query(`UPDATE backups SET started_at = now() - interval '8 days' WHERE id = $1`, [oldId]);

    const second = a.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'text', text: '/backup now slow' } });
    const running = await until('the second backup to be running', async () => (await a.ports.backups!.records.list({ target: 'slow' })).find((r) => r.status === 'running'));
    await a.db.query(`UPDATE backups SET status = 'failed', error = 'swept' WHERE id = $1`, [running.id]);
    const r = await second;
    expect(r.status).toBe('failed');
    expect(JSON.stringify(r.reply)).toContain('already been marked failed');
    const records = await a.ports.backups!.records.list({ target: 'slow' });
    expect(records.map((x) => [x.id, x.status])).toEqual(expect.arrayContaining([[oldId, 'complete'], [running.id, 'failed']]));
    await expect(stat(running.location!)).rejects.toThrow();
    await expect(stat((await a.ports.backups!.records.get(oldId))!.location!)).resolves.toBeDefined();
  });

  it('renews the backup lease while the backup runs, so a second backup of the target is refused after the first TTL', async () => {
    const a = await app(`
backups:
  destination: { dir: "${dir}/renew" }
  targets:
    slow: ${slowTarget(3500)}
`);
    const first = runBackupJob(a.loaded.config, a.ports, { target: 'slow', trigger: 'manual', requestedBy: 'alice', leaseTtlMs: 1200 });
    await new Promise((r) => setTimeout(r, 2500)); // twice the TTL: without renewal the lease has expired
    const second = await runBackupJob(a.loaded.config, a.ports, { target: 'slow', trigger: 'manual', requestedBy: 'bob', leaseTtlMs: 1200 });
    expect(second.kind).toBe('busy');
    expect(second.kind === 'busy' && second.heldBy.actorName).toBe('alice');
    const done = await first;
    expect(done.kind === 'done' && done.result.ok).toBe(true);
    expect(await a.ports.leases.current(backupLeaseKey('slow'))).toBeNull();
  });

  it('a failed /backup now is also posted to the incidents channel (not when typed there); a skipped scheduled slot is reported too', async () => {
    const a = await app(`${roles}
chat: { incidents_channel: ops-incidents, allowed_channels: [console] }
backups:
  destination: { dir: "${dir}/report" }
  targets:
    broken: { type: command, argv: ["node", "-e", "process.stderr.write('auth failed'); process.exit(3)"] }
    busy: { type: command, argv: ["node", "-e", "process.stdout.write('x')"] }
`);
    const chat = new RecordingChat();
    a.chat.register(chat);
    const scheduler = new BackupScheduler(a.loaded.config, a.ports);
    const r = await a.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now broken' } });
    expect(r.status).toBe('failed');
    expect(chat.posted).toHaveLength(1);
    expect(chat.posted[0]!.channel).toBe('ops-incidents');
    expect(chat.posted[0]!.reply.title).toBe('Backup of broken failed');
    expect(chat.posted[0]!.reply.text).toMatch(/^node exited with 3: auth failed\. No backup was recorded \(bk-[0-9a-f]{8} is marked failed\) and nothing was left at the destination\. \(\/backup now by alice in #console\)$/);

    await a.dispatcher.dispatch({ actor: alice, channel: { platform: 'console', id: 'ops', name: 'ops-incidents' }, input: { kind: 'text', text: '/backup now broken' } });
    expect(chat.posted).toHaveLength(1);

    await a.ports.leases.acquire(backupLeaseKey('busy'), { id: 'restore-1', actorName: 'carol', description: 'Restore of busy' }, 60_000);
    expect(await scheduler.fire('busy', new Date('2026-11-25T03:00:00Z'))).toBe('busy');
    expect(chat.posted).toHaveLength(2);
    expect(chat.posted[1]!.reply.title).toBe('Scheduled backup of busy skipped');
    expect(chat.posted[1]!.reply.text).toMatch(/^Restore of busy was already running \(started by carol at .*\), so the scheduled slot 2026-11-25T03:00:00\.000Z was skipped\.$/);
    await scheduler.stop();
  });
});
