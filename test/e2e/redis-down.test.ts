import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { slashCommandBody } from '../fakes/slack-signing.js';
import { createTestDatabase } from '../support/postgres.js';
import { ALICE, answerIn, buttonsOf, configYaml, headerOf, nextTrigger, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';

const BIN = resolve('bin/firebreak.js');

/** A port nothing listens on: bound, read, released. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('with REDIS_URL set and Redis down (the moment people run /health)', () => {
  let dir: string;
  let redisUrl: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-redis-down-'));
    redisUrl = `redis://127.0.0.1:${await closedPort()}`;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const children = reapChildren();

  // The child is given 60 s (it opens a fresh embedded store: 40+ s on a loaded machine); the test a bit more.
  it('firebreak run "/health" still answers, with the cache marked down, and exits 1', { timeout: 70_000 }, async () => {
    const r = await children.track(
      execa('node', [BIN, 'run', '/health', '--as', 'alice'], {
        cwd: dir,
        reject: false,
        timeout: 60_000,
        extendEnv: false,
        env: { PATH: process.env.PATH ?? '', FIREBREAK_DATA_DIR: join(dir, 'data'), REDIS_URL: redisUrl, LOG_LEVEL: 'error' },
      }),
    );
    expect(r.exitCode).toBe(1);
    expect(String(r.stdout)).toMatch(/Health — 1 of 2 checks OK/);
    expect(String(r.stdout)).toMatch(/✅ firebreak-store/);
    expect(String(r.stdout)).toMatch(/❌ cache +redis/);
    // The start-up problem is one log line naming Redis, not a crash.
    expect(String(r.stderr)).toContain('Redis is unreachable');
    expect(String(r.stderr)).not.toMatch(/\n\s+at /);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Slack over HTTP with REDIS_URL set and Redis down (PostgreSQL store)', () => {
  let rig: SlackRig;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    targets = await startHealthTargets();
    const t = await createTestDatabase();
    drop = t.drop;
    rig = await startSlackRig(configYaml(targets.url), 'http', { databaseUrl: t.url, redisUrl: `redis://127.0.0.1:${await closedPort()}` });
  });
  afterAll(async () => {
    await rig?.close();
    await targets?.close();
    await drop?.();
  });

  const postsTo = (channel: string) => rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel);
  const eventsIn = async (channel: string) => (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel);
  const retried = (n: number): Record<string, string> => (n === 0 ? {} : { 'x-slack-retry-num': String(n), 'x-slack-retry-reason': 'http_timeout' });

  it('/health is answered with the health card, not refused', async () => {
    const channel = { id: 'CINCRDOWN1', name: 'inc-redis-down' };
    const { res, trigger } = await rig.slash('/health', 'api', { channel });
    expect(res.status).toBe(200);
    const post = await answerIn(rig.fake, channel.id);
    expect(headerOf(post.blocks)).toMatch(/^✅ Health — 1 of 1 check OK/);
    await rig.slack.idle();
    expect(rig.fake.responsePosts.filter((p) => p.id === trigger)).toEqual([]);
    expect((await eventsIn(channel.id)).map((e) => [e.kind, e.outcome])).toEqual([['command', 'ok']]);
  });

  it('a mutating command delivered three times (X-Slack-Retry-Num) posts one card, and a retried Confirm runs it once', async () => {
    const channel = { id: 'CINCRDOWN2', name: 'inc-redis-down-run' };
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/run', text: 'say-hi', user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: rig.fake.responseUrl(trigger) });
    for (const n of [0, 1, 2]) expect((await rig.post(body, { headers: retried(n) })).status).toBe(200);
    await rig.fake.waitFor(() => postsTo(channel.id)[0]);
    await rig.slack.idle();
    expect(postsTo(channel.id)).toHaveLength(1);
    expect((await eventsIn(channel.id)).map((e) => e.kind)).toEqual(['confirmation.requested']);

    const msg = [...rig.fake.messages.values()].find((m) => m.channel === channel.id)!;
    const confirm = buttonsOf(msg.blocks).find((b) => b.action_id.startsWith('confirm:'))!;
    // Slack retries a click with the same action_ts.
    for (let i = 0; i < 2; i++) expect((await rig.click(confirm.action_id, { channel: channel.id, ts: msg.ts }, { actionTs: '1796000000.000100', channelName: channel.name, label: 'Confirm' })).status).toBe(200);
    await until(async () => (await eventsIn(channel.id)).some((e) => e.kind === 'action.finished'));
    await rig.slack.idle();
    const kinds = (await eventsIn(channel.id)).map((e) => e.kind);
    expect(kinds.filter((k) => k === 'action.started')).toHaveLength(1);
    expect(kinds.filter((k) => k === 'action.finished')).toHaveLength(1);
    expect(kinds).not.toContain('command.refused');
  });
});
