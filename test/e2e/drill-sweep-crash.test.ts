import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import { DrillSweeper } from '../../src/scheduler/drill-sweeper.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import type { Db } from '../../src/store/db.js';
import { testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const OS_USER = userInfo().username;

/**
 * A drill whose process is SIGKILLed mid-drill: `firebreak run "/drill ProviderDown"` on PostgreSQL
 * with no alert outbox anywhere, so it sits in its card hop (60 s) with its DRILL alert stored and
 * firing, and is killed there. Its cleanup never runs; the drill sweep of another process on the same
 * database (its deadline shortened to 1 s) resolves the alert and records why, and the outbox then
 * shows the card resolved.
 */
describe('a drill whose process is killed mid-drill', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-drill-crash-'));
  const config = join(dir, 'firebreak.yml');
  const yaml = `
roles: { responders: ["console:${OS_USER}"] }
alerts:
  watch: { enabled: false }
  channel: alerts
  routes:
    - { match: { alertname: ProviderDown }, severity: critical }
`;
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let db: Db | undefined;
  let app: Awaited<ReturnType<typeof testApp>> | undefined;
  let outbox: OutboxWorker | undefined;
  let drill: ResultPromise | undefined;

  beforeAll(async () => {
    writeFileSync(config, yaml);
    t = await createTestDatabase('fb_drill_crash');
    db = await openPostgres(t.url);
    await migrate(db);
    app = await testApp(yaml, { db });
  }, 60_000);
  afterAll(async () => {
    drill?.kill('SIGKILL');
    await drill?.catch(() => undefined);
    await outbox?.stop();
    await app?.close();
    await db?.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is cleaned up by the drill sweep: the alert resolved, the card shown resolved, one event saying why', async () => {
    drill = execa('node', [BIN, 'run', '/drill ProviderDown'], {
      cwd: dir,
      env: { FIREBREAK_CONFIG: config, DATABASE_URL: t.url, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' },
      extendEnv: false,
      reject: false,
    });
    const [group] = await waitFor(async () => {
      const firing = await app!.ports.alerts.firing({ source: 'drill' });
      return firing.length > 0 ? firing : null;
    }, 60_000, 'the drill’s alert stored, firing');
    drill.kill('SIGKILL');
    const ended = await drill;
    expect(ended.signal).toBe('SIGKILL');
    expect((await app!.ports.alerts.get(group!.id))?.status).toBe('firing');
    expect((await app!.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'drill.reported')).toEqual([]);

    await waitFor(async () => Date.now() - group!.firstFiredAt.getTime() > 1_200, 10_000, 'the 1 s deadline to pass');
    const sweeper = new DrillSweeper(app!.loaded.config, app!.ports, { ingest: (n) => ingestNotification(app!.ports, app!.loaded.config, n) }, { everyMs: 3_600_000, abandonedAfterMs: 1_000 });
    const pass = (await sweeper.tick()) as { swept: { groupId: string }[] };
    await sweeper.stop();
    expect(pass.swept.map((s) => s.groupId)).toEqual([group!.id]);
    expect((await app!.ports.alerts.get(group!.id))?.status).toBe('resolved');
    const events = (await app!.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'drill.reported');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ outcome: 'interrupted', actor: { name: 'drill sweep' }, detail: { swept: true, group: group!.id } });

    outbox = buildAlertOutboxWorker(app!, { pollMs: 100 });
    outbox.start();
    const card = await waitFor(
      async () => (await app!.consoleMessages.recent(OS_USER, 100)).messages.find((m) => m.reply.context?.endsWith(`alert group ${group!.id}`)),
      30_000,
      'the DRILL card',
    );
    expect(card.reply.title).toBe('🧪 DRILL · Resolved: ProviderDown');
    expect(JSON.stringify(card.reply)).toContain('the drill sweep resolved it');
  });
});
