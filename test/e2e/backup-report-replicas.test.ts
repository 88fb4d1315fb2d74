import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackFake } from '../fakes/slack-api.js';
import { signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';
import { ALICE, BOB, BOT_TOKEN, headerOf, INCIDENTS, nextTrigger, SIGNING_SECRET, startDefaultFake } from './slack-harness.js';

const BIN = resolve('bin/firebreak.js');
const WAIT_MS = 60_000;

/** A port nothing listens on: the backed-up database is down. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

interface Replica {
  port: number;
  proc: ResultPromise;
  stderr: () => string;
}

/** `firebreak start` as its own process, as a replica runs in production; resolves once it listens. */
async function startReplica(env: Record<string, string>): Promise<Replica> {
  const proc = execa('node', [BIN, 'start'], { env: { ...env, PORT: '0', LOG_LEVEL: 'warn' }, extendEnv: false, reject: false });
  let err = '';
  const port = await new Promise<number>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`firebreak start did not come up:\n${err}`)), WAIT_MS);
    proc.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /Firebreak is running on http:\/\/localhost:(\d+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        ok(Number(m[1]));
      }
    });
    void proc.then((r) => fail(new Error(`firebreak start exited with ${r.exitCode}:\n${err}`)));
  });
  return { port, proc, stderr: () => err };
}

/**
 * Two `firebreak start` processes on one PostgreSQL behind one Slack app, backing up a database
 * that is down. Alice's /backup now fails on replica A, which posts the day's backup report in
 * #incidents; Bob's fails on replica B, which has never seen that message and edits it in place
 * through the stored message ref: one chat.postMessage, then a chat.update of the same ts.
 */
describe('backup report across two firebreak start processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-report-replicas-'));
  const drill = { id: 'CINCBKREPORT', name: 'inc-backup-report' };
  let fake: SlackFake;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const replicas: Replica[] = [];

  beforeAll(async () => {
    fake = await startDefaultFake();
    db = await createTestDatabase('fb_report');
    const config = join(dir, 'firebreak.yml');
    writeFileSync(
      config,
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
backups:
  targets:
    app: { type: postgres, url: "postgres://postgres@127.0.0.1:${await closedPort()}/app" }
  destination: { dir: "${join(dir, 'backups')}" }
`,
    );
    const env = {
      PATH: process.env.PATH ?? '',
      FIREBREAK_CONFIG: config,
      FIREBREAK_DATA_DIR: join(dir, 'data'),
      DATABASE_URL: db.url,
      REDIS_URL,
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.apiUrl,
    };
    // One after the other: both would migrate safely at once, but a failure is easier to read.
    for (let i = 0; i < 2; i++) replicas.push(await startReplica(env));
  }, 2 * WAIT_MS);

  afterAll(async () => {
    for (const r of replicas) {
      r.proc.kill('SIGTERM');
      await r.proc;
    }
    await fake?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const backupNow = async (replica: Replica, user: typeof ALICE) => {
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/backup', text: 'now app', user_id: user.id, user_name: user.name, channel_id: drill.id, channel_name: drill.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    const res = await fetch(`http://127.0.0.1:${replica.port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SIGNING_SECRET, body) }, body });
    expect(res.status).toBe(200);
  };
  const incidentsMessages = () => [...fake.messages.values()].filter((m) => m.channel === INCIDENTS.id);
  const failedCards = () => [...fake.messages.values()].filter((m) => m.channel === drill.id && /^❌ Backup of app failed/.test(headerOf(m.blocks)));
  const storedRefs = async () => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<{ key: string; platform: string; channel_id: string | null; message_id: string | null }>("SELECT key, platform, channel_id, message_id FROM message_refs WHERE key LIKE 'backup-report:%'")).rows;
    } finally {
      await c.end();
    }
  };

  it('a report posted by one replica is updated in place by the other through its stored ref', async () => {
    await backupNow(replicas[0]!, ALICE);
    // The result card comes after the report is shown (the command awaits it): A is done with it.
    await fake.waitFor(() => failedCards().length === 1, WAIT_MS);
    const [report] = incidentsMessages();
    expect(report).toBeDefined();
    expect(headerOf(report!.blocks)).toBe('❌ Backup of app failed');
    const day = new Date().toISOString().slice(0, 10);
    expect(await storedRefs()).toEqual([{ key: `backup-report:app:${day}`, platform: 'slack', channel_id: INCIDENTS.id, message_id: report!.ts }]);
    expect(fake.callsOf('chat.update', true).filter((c) => c.args.channel === INCIDENTS.id)).toHaveLength(0);

    await backupNow(replicas[1]!, BOB);
    const edit = await fake.waitFor(() => fake.callsOf('chat.update', true).find((c) => c.args.channel === INCIDENTS.id), WAIT_MS);
    expect(edit.args.ts).toBe(report!.ts);
    await fake.waitFor(() => failedCards().length === 2, WAIT_MS);

    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id)).toHaveLength(1);
    expect(fake.callsOf('chat.update', true).filter((c) => c.args.channel === INCIDENTS.id)).toHaveLength(1);
    const shown = incidentsMessages();
    expect(shown).toHaveLength(1);
    expect(headerOf(shown[0]!.blocks)).toBe('❌ Backup of app failed — 2 problems today');
    const text = JSON.stringify(shown[0]!.blocks);
    expect(text).toContain('2 failed; first at ');
    expect(text).toMatch(/\/backup now by (bob|Bob B) in #inc-backup-report/);
    expect(replicas.map((r) => r.stderr())).not.toContainEqual(expect.stringContaining('could not report'));
  });
});
