import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatPlatformDirectory } from '../../src/core/chat-directory.js';
import type { Logger } from '../../src/core/ports.js';
import type { App } from '../../src/main.js';
import { runBackupJob } from '../../src/backups/run-backup-job.js';
import { BackupScheduler } from '../../src/scheduler/backup-scheduler.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import type { Db } from '../../src/store/db.js';
import { RecordingChat } from '../fakes/recording-chat.js';
import { testApp } from '../support/app.js';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

describe('backup schedule and retention', () => {
  let dir: string;
  const apps: App[] = [];
  afterEach(async () => {
    for (const a of apps.splice(0)) await a.close();
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-backups-sched-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const echoTarget = (name: string) => `    ${name}: { type: command, argv: ["node", "-e", "process.stdout.write('backup of ${name}')"], extension: txt }`;

  it('retention deletes only complete backups older than retention_days (object and record), after a good scheduled backup', async () => {
    const app = await testApp(`
backups:
  destination: { dir: "${dir}/retention" }
  retention_days: 7
  targets:
${echoTarget('notes')}
`);
    apps.push(app);
    const records = app.ports.backups!.records;
    // Two earlier backups through the same job /backup now uses.
    const take = async () => {
      const j = await runBackupJob(app.loaded.config, app.ports, { target: 'notes', trigger: 'manual', requestedBy: 'alice' });
      if (j.kind !== 'done' || !j.result.ok) throw new Error(`backup not taken: ${j.kind}`);
      return j.record;
    };
    const old = await take();
    const recent = await take();
    await records.start({ id: 'bk-oldfail', target: 'notes', trigger: 'manual', requestedBy: 'alice', location: `${dir}/retention/notes/never-written` });
    await records.fail('bk-oldfail', 'exited with 1', 5);
    await app.db.query(`UPDATE backups SET started_at = now() - interval '8 days' WHERE id IN ($1, 'bk-oldfail')`, [old.id]);
    await app.db.query(`UPDATE backups SET started_at = now() - interval '6 days' WHERE id = $1`, [recent.id]);

    const scheduler = new BackupScheduler(app.loaded.config, app.ports);
    expect(await scheduler.fire('notes', new Date())).toBe('ran');

    const left = await records.list({ target: 'notes' });
    expect(left.map((r) => r.id)).not.toContain(old.id);
    expect(left.map((r) => r.id)).toEqual(expect.arrayContaining([recent.id, 'bk-oldfail']));
    expect(left).toHaveLength(3);
    await expect(stat(old.location!)).rejects.toThrow();
    expect((await stat(recent.location!)).size).toBeGreaterThan(0);
    expect(await readdir(join(dir, 'retention', 'notes'))).toHaveLength(2);
    const expired = (await app.ports.timeline.list({ limit: 20 })).filter((e) => e.kind === 'backup.expired');
    expect(expired.map((e) => e.detail.backup)).toEqual([old.id]);
  });

  it('three replicas sharing Redis and PostgreSQL: one backup per slot, the others not elected', { timeout: 120_000 }, async () => {
    const store: TestDb = await createTestDatabase('fb_bk_sched');
    const dbs: Db[] = [];
    try {
      const target = `t${randomBytes(4).toString('hex')}`;
      const yaml = `
backups:
  destination: { dir: "${dir}/replicas" }
  schedule: "* * * * * *"
  targets:
${echoTarget(target)}
`;
      for (let i = 0; i < 3; i++) {
        const db = await openPostgres(store.url);
        dbs.push(db);
        if (i === 0) await migrate(db);
        apps.push(await testApp(yaml, { db, runtime: { redisUrl: REDIS_URL } }));
      }
      expect(apps.map((a) => a.coordination.kind)).toEqual(['redis', 'redis', 'redis']);
      const schedulers = apps.map((a) => new BackupScheduler(a.loaded.config, a.ports));

      // The same slot fired on all three at once, and again later by a slow replica.
      const slot = new Date('2026-11-25T03:00:00.000Z');
      const outcomes = await Promise.all(schedulers.map((s) => s.fire(target, new Date(slot.getTime() + Math.random() * 500))));
      expect(outcomes.sort()).toEqual(['not-elected', 'not-elected', 'ran']);
      expect(await schedulers[0]!.fire(target, slot)).toBe('not-elected');

      // And on real cron ticks, every second, until three more slots are recorded (however slow the
      // machine). stop() waits for the backups still running, so none is cut off by app.close().
      for (const s of schedulers) expect(s.start()).toEqual([target]);
      const deadline = Date.now() + 60_000;
      const slots = async () => new Set((await apps[0]!.ports.backups!.records.list({ target, limit: 100 })).map((r) => r.trigger)).size;
      while ((await slots()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      for (const s of schedulers) await s.stop();

      const records = await apps[0]!.ports.backups!.records.list({ target, limit: 100 });
      const perSlot = new Map<string, number>();
      for (const r of records) perSlot.set(r.trigger, (perSlot.get(r.trigger) ?? 0) + 1);
      expect(perSlot.get('schedule:2026-11-25T03:00:00.000Z')).toBe(1);
      expect(perSlot.size).toBeGreaterThanOrEqual(4);
      expect([...perSlot.values()].every((n) => n === 1)).toBe(true);
      expect(records.every((r) => r.status === 'complete' && r.trigger.startsWith('schedule:'))).toBe(true);
    } finally {
      for (const a of apps.splice(0)) await a.close();
      for (const db of dbs) await db.close();
      await store.drop();
    }
  });

  it('a failed scheduled backup is posted to the incidents channel, or logged when no chat platform is configured', async () => {
    const app = await testApp(`
chat: { incidents_channel: ops-incidents }
backups:
  destination: { dir: "${dir}/failing" }
  retention_days: 1
  targets:
    broken: { type: command, argv: ["node", "-e", "process.stderr.write('clickhouse: auth failed'); process.exit(3)"] }
`);
    apps.push(app);
    const chat = new RecordingChat();
    app.chat.register(chat);
    expect(await new BackupScheduler(app.loaded.config, app.ports).fire('broken', new Date('2026-11-25T03:00:00Z'))).toBe('failed');
    expect(chat.posted).toHaveLength(1);
    expect(chat.posted[0]!.channel).toBe('ops-incidents');
    expect(chat.posted[0]!.reply.title).toBe('Scheduled backup of broken failed');
    expect(chat.posted[0]!.reply.text).toMatch(/^Backup bk-[0-9a-f]{8} of broken failed: node exited with 3: clickhouse: auth failed\. No backup was recorded for this slot\.$/);
    const ev = (await app.ports.timeline.list({ limit: 10 })).find((e) => e.kind === 'backup.scheduled')!;
    expect(ev.outcome).toBe('failed');
    expect(ev.actor.name).toBe('scheduler');
    expect(ev.exitCode).toBe(3);

    const logged: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_o, msg) => void logged.push(msg ?? '') };
    const noChat = { ...app.ports, logger, chat: new ChatPlatformDirectory() };
    expect(await new BackupScheduler(app.loaded.config, noChat).fire('broken', new Date('2026-11-25T04:00:00Z'))).toBe('failed');
    expect(logged.some((m) => m.startsWith('BACKUP FAILED (no chat platform to report it in #ops-incidents): Backup bk-') && m.includes('exited with 3'))).toBe(true);
    expect((await app.ports.backups!.records.list({ target: 'broken' })).map((r) => r.status)).toEqual(['failed', 'failed']);
  });
});
