import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { BackupScheduler } from '../../src/scheduler/backup-scheduler.js';
import { alice, configFrom, consoleChan, silentLogger, testRuntime } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * A backup still running when `firebreak start`'s step drain runs out of grace: the same
 * startFirebreak and close() that cli.ts calls on SIGTERM, with shutdown.grace_s 0.2. The dump is a
 * pg_dump stand-in (a command target) that writes a little and then never finishes on its own.
 */
const STUCK_DUMP = `["node", "-e", "process.stdout.write('part'); setTimeout(() => {}, 300000)"]`;
/** A dump that ignores SIGTERM, as a pg_dump stuck in a kernel wait or a wrapper script that traps it does: only SIGKILL ends it. */
const STUBBORN_DUMP = `["node", "-e", "process.on('SIGTERM', () => {}); process.stdout.write('part'); setTimeout(() => {}, 300000)"]`;

describe('a backup interrupted by the shutdown drain (startFirebreak + close, grace 0.2 s)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(dump: string) {
    const db = await createTestDatabase('fb_bk_drain');
    cleanups.push(() => db.drop());
    const dir = mkdtempSync(join(tmpdir(), 'fb-bk-drain-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const running: Running = await startFirebreak(
      testRuntime({ port: 0, databaseUrl: db.url, dataDir: join(dir, 'data') }),
      configFrom(`
roles:
  responders: ["console:alice"]
  admins: ["console:alice"]
shutdown:
  grace_s: 0.2
backups:
  destination: { dir: "${dir}/backups" }
  targets:
    stuck: { type: command, argv: ${dump}, extension: txt }
`),
      { host: '127.0.0.1', logger: silentLogger },
    );
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await running.close();
    });
    const close = async () => {
      closed = true;
      await running.close();
    };
    const runningRecord = () =>
      waitFor(async () => (await running.app.ports.backups!.records.list({ target: 'stuck' })).find((r) => r.status === 'running'), 30_000, 'the backup to be running');
    return { running, close, runningRecord, url: db.url, objects: () => readdirSync(join(dir, 'backups', 'stuck'), { recursive: true }).map(String) };
  }

  /** What is stored once the process has closed its store: read afresh, as the next replica would. */
  async function stored(url: string) {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      const backups = (await c.query<{ id: string; status: string; error: string | null }>('SELECT id, status, error FROM backups ORDER BY started_at')).rows;
      const events = (await c.query<{ kind: string; outcome: string | null; output: string | null; detail: Record<string, unknown> }>('SELECT kind, outcome, output, detail FROM timeline_events ORDER BY id')).rows;
      const leases = (await c.query<{ key: string }>('SELECT key FROM leases')).rows;
      return { backups, events, leases };
    } finally {
      await c.end();
    }
  }

  it('/backup now: the reply says "Interrupted by shutdown", the timeline says interrupted, the record is failed, no lease is left', async () => {
    const { running, close, runningRecord, url, objects } = await start(STUCK_DUMP);
    const reply = running.app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now stuck' } });
    const rec = await runningRecord();
    await close();

    const r = await reply;
    expect(r.status).toBe('failed');
    expect(r.reply.title).toBe('Interrupted by shutdown: backup of stuck');
    expect(r.reply.text).toBe(
      `Interrupted by shutdown: Firebreak was stopped while the backup of stuck ran, so it was stopped part-way. It does not count as a backup (${rec.id} is marked failed); run /backup now again.`,
    );

    const { backups, events, leases } = await stored(url);
    expect(backups.map((b) => [b.id, b.status])).toEqual([[rec.id, 'failed']]);
    expect(backups[0]!.error).toBe('node was stopped before it finished: Firebreak is shutting down');
    const backupEvents = events.filter((e) => e.kind !== 'confirmation.requested');
    expect(backupEvents.map((e) => [e.kind, e.outcome])).toEqual([['command', 'interrupted']]);
    expect(backupEvents[0]!.output).toContain('Interrupted by shutdown');
    expect(leases).toEqual([]);
    // The partial dump does not stay at the destination either.
    expect(objects()).toEqual([]);
  }, 120_000);

  it('a scheduled backup: the timeline says interrupted with the backup id, the record is failed, no lease is left', async () => {
    const { running, close, runningRecord, url } = await start(STUCK_DUMP);
    // What the cron of the process's own backup scheduler calls for a due slot.
    const fired = new BackupScheduler(running.app.loaded.config, running.app.ports).fire('stuck', new Date('2026-11-25T03:00:00Z'));
    const rec = await runningRecord();
    await close();

    expect(await fired).toBe('interrupted');
    const { backups, events, leases } = await stored(url);
    expect(backups.map((b) => [b.id, b.status])).toEqual([[rec.id, 'failed']]);
    const scheduled = events.filter((e) => e.kind === 'backup.scheduled');
    expect(scheduled.map((e) => [e.outcome, e.detail])).toEqual([['interrupted', { slot: '2026-11-25T03:00:00.000Z', interrupted: 'shutdown', backup: rec.id }]]);
    expect(scheduled[0]!.output).toMatch(/^Interrupted by shutdown: Firebreak was stopped while the backup of stuck ran/);
    expect(leases).toEqual([]);
  }, 120_000);

  it('a dump that ignores SIGTERM (killed only later): the record still ends failed, not "running", and no lease is left', async () => {
    const { running, close, runningRecord, url } = await start(STUBBORN_DUMP);
    const reply = running.app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/backup now stuck' } });
    const rec = await runningRecord();
    await close();

    const r = await reply;
    expect(r.reply.title).toBe('Interrupted by shutdown: backup of stuck');
    // What the reply claims is what is stored once the process is gone.
    expect(r.reply.text).toContain(`(${rec.id} is marked failed)`);
    const { backups, leases } = await stored(url);
    expect(backups.map((b) => [b.id, b.status])).toEqual([[rec.id, 'failed']]);
    expect(backups[0]!.error).toBe('Firebreak shut down while this backup was running and it did not stop in time; it is not a backup.');
    expect(leases).toEqual([]);
  }, 120_000);
});
