import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupLeaseKey } from '../../src/backups/backup-targets.js';
import { BackupScheduler } from '../../src/scheduler/backup-scheduler.js';
import { RecordingChat } from '../fakes/recording-chat.js';
import { testApp } from '../support/app.js';

describe('the backup report: one message per target and day, updated in place', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fb-backup-report-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a second problem that day edits the first message (count, latest problem); the next day posts a new one', async () => {
    const app = await testApp(`
chat: { incidents_channel: ops-incidents }
backups:
  destination: { dir: "${dir}" }
  targets:
    broken: { type: command, argv: ["node", "-e", "process.stderr.write('auth failed'); process.exit(3)"] }
`);
    try {
      const chat = new RecordingChat();
      app.chat.register(chat);
      const scheduler = new BackupScheduler(app.loaded.config, app.ports);

      expect(await scheduler.fire('broken', new Date('2026-11-25T03:00:00Z'))).toBe('failed');
      expect(chat.posted.map((p) => [p.channel, p.reply.title])).toEqual([['ops-incidents', 'Scheduled backup of broken failed']]);
      const first = (await app.ports.messageRefs.get('backup-report:broken:2026-11-25', chat.platform))?.ref;
      expect(first).toEqual({ platform: chat.platform, channelId: 'c', messageId: '1' });

      // 04:00 is skipped: a restore holds the target.
      await app.ports.leases.acquire(backupLeaseKey('broken'), { id: 'restore-1', actorName: 'carol', description: 'Restore of broken' }, 60_000);
      expect(await scheduler.fire('broken', new Date('2026-11-25T04:00:00Z'))).toBe('busy');
      await app.ports.leases.release(backupLeaseKey('broken'), 'restore-1');
      expect(chat.posted).toHaveLength(1);
      expect(chat.updated).toHaveLength(1);
      const second = chat.updated[0]!;
      expect(second.ref).toEqual(first);
      expect(second.reply).toMatchObject({
        title: 'Scheduled backup of broken skipped — 2 problems today',
        // A failure earlier today keeps the card red.
        status: 'error',
        fields: [{ label: 'broken on 2026-11-25 (UTC)', value: '1 failed, 1 skipped; first at 03:00, latest at 04:00' }],
        context: 'Slot 2026-11-25T04:00:00.000Z · /backup list shows recent backups; /backup now broken retries',
      });
      expect(second.reply.text).toMatch(/^Restore of broken was already running \(started by carol at .*\), so the scheduled slot 2026-11-25T04:00:00\.000Z was skipped\.$/);

      // A slow replica's older slot is counted, but the latest problem stays the 04:00 one.
      expect(await scheduler.fire('broken', new Date('2026-11-25T02:00:00Z'))).toBe('failed');
      expect(chat.posted).toHaveLength(1);
      expect(chat.updated.at(-1)!.reply).toMatchObject({
        title: 'Scheduled backup of broken skipped — 3 problems today',
        fields: [{ label: 'broken on 2026-11-25 (UTC)', value: '2 failed, 1 skipped; first at 02:00, latest at 04:00' }],
      });

      expect(await scheduler.fire('broken', new Date('2026-11-26T03:00:00Z'))).toBe('failed');
      expect(chat.posted.map((p) => p.reply.title)).toEqual(['Scheduled backup of broken failed', 'Scheduled backup of broken failed']);
      expect(chat.updated).toHaveLength(2);
      await scheduler.stop();
    } finally {
      await app.close();
    }
  });
});
