/**
 * `npm run test:faults`: the multi-replica promises, tested together on the production build.
 * Three `node dist/cli.js start` processes on one PostgreSQL scratch database and a Redis of the
 * test's own (its own port, never the shared 6379), a round-robin proxy in front, the Slack fake
 * behind. Every delivery goes through the proxy on a connection of its own, so retries land on
 * different replicas as they would behind a load balancer. The figures are printed at the end
 * (docs/production.md, "Reliability").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import type { SlackFake } from '../fakes/slack-api.js';
import { ALICE, BOB, BOT_TOKEN, clickPayload, SIGNING_SECRET, startDefaultFake, buttonsOf, headerOf, nextTrigger } from '../e2e/slack-harness.js';
import { createTestDatabase } from '../support/postgres.js';
import { RoundRobinProxy } from '../support/round-robin-proxy.js';
import { waitFor } from '../support/wait.js';

const DIST = resolve('dist/cli.js');
const APPEND = resolve('test/fakes/append-argv.mjs');
const REPLICAS = 3;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** POST on a fresh connection (no keep-alive), so the proxy picks the next replica for each. */
function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolvePost(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const figures: { scenario: string; deliveries: number; executions: number; fault: string; delay: string }[] = [];

describe('three replicas of the production build behind a round-robin proxy', () => {
  let dir: string;
  let log: string;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let fake: SlackFake;
  let redis: ChildProcess | undefined;
  let redisPort: number;
  const servers: { proc: ChildProcess; port: number; stderr: string }[] = [];
  let proxy: RoundRobinProxy;
  let pool: pg.Pool;

  const startRedis = async () => {
    redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const listening = () =>
      new Promise<boolean>((r) => {
        const sock = connect(redisPort, '127.0.0.1');
        sock.once('connect', () => (sock.destroy(), r(true)));
        sock.once('error', () => r(false));
      });
    await waitFor(listening, 30_000, 'redis-server to listen');
  };
  const ready = (port: number) => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);

  beforeAll(async () => {
    expect(existsSync(DIST), 'npm run test:faults builds dist/ first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'firebreak-faults-'));
    log = join(dir, 'executions.log');
    db = await createTestDatabase('fb_faults');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    fake = await startDefaultFake();
    redisPort = await freePort();
    await startRedis();
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
actions:
  drain:
    description: Drain the queue (records each run)
    argv: [node, ${JSON.stringify(APPEND)}, ${JSON.stringify(log)}, drained]
    timeout_s: 30
`,
    );
    const ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    for (const [i, port] of ports.entries()) {
      const proc = spawn(process.execPath, [DIST, 'start'], {
        cwd: dir,
        stdio: ['ignore', 'ignore', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          PORT: String(port),
          DATABASE_URL: db.url,
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          FIREBREAK_CONFIG: join(dir, 'firebreak.yml'),
          FIREBREAK_DATA_DIR: join(dir, `data-${i}`),
          FIREBREAK_LINK_SECRET: 'faults-link-secret-0123456789abcdef-0123',
          SLACK_BOT_TOKEN: BOT_TOKEN,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          SLACK_API_URL: fake.apiUrl,
          LOG_LEVEL: 'warn',
        },
      });
      const s = { proc, port, stderr: '' };
      proc.stderr?.on('data', (d: Buffer) => (s.stderr += d.toString()));
      servers.push(s);
    }
    for (const s of servers) await waitFor(async () => (await ready(s.port)) === 200, 120_000, `replica :${s.port} /readyz 200 (stderr: ${s.stderr.slice(-400)})`);
    proxy = new RoundRobinProxy(ports);
    await proxy.up();
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
    await pool?.end();
    await fake?.close();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`\nFault suite figures:\n${figures.map((f) => `  ${f.scenario}: ${f.deliveries} deliveries, ${f.executions} execution(s), fault: ${f.fault}, delay: ${f.delay}`).join('\n')}`);
  }, 120_000);

  const executions = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0);
  const timeline = async (channel: string) =>
    (await pool.query<{ kind: string }>('SELECT kind FROM timeline_events WHERE channel_id = $1 ORDER BY id', [channel])).rows.map((r) => r.kind);

  /** One /run drain: the slash command delivered 3 times (2 retries), then Confirm pressed twice through each replica. */
  async function runOnceThroughEveryReplica(channel: { id: string; name: string }) {
    const before = proxy.hits.slice();
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/run', text: 'drain', user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    const t0 = Date.now();
    const answers = [];
    for (let retry = 0; retry < REPLICAS; retry++) {
      answers.push(await post(proxy.port, '/slack/events', body, { ...signSlack(SIGNING_SECRET, body), ...(retry > 0 ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } : {}) }));
    }
    expect(answers).toEqual([200, 200, 200]);
    expect(proxy.hits.map((h, i) => h - before[i]!)).toEqual([1, 1, 1]); // one delivery on each replica
    const card = await fake.waitFor(() => fake.callsOf('chat.postMessage', true).find((c) => c.args.channel === channel.id), 60_000);
    const cardMs = Date.now() - t0;
    const confirm = buttonsOf(card.args.blocks as unknown[])[0]!;
    const msg = [...fake.messages.values()].find((m) => m.channel === channel.id)!;
    const clicks = await Promise.all(
      Array.from({ length: 2 * REPLICAS }, (_, i) => {
        const b = blockActionsBody(clickPayload(fake, confirm.action_id, { channel: channel.id, ts: msg.ts }, { user: i % 2 ? BOB : ALICE, channelName: channel.name, label: 'Confirm' }));
        return post(proxy.port, '/slack/events', b, signSlack(SIGNING_SECRET, b));
      }),
    );
    expect(clicks).toEqual(Array(2 * REPLICAS).fill(200));
    await fake.waitFor(() => /^✅ /.test(headerOf(fake.messages.get(`${channel.id}:${msg.ts}`)?.blocks)), 60_000);
    return { cardMs, doneMs: Date.now() - t0, deliveries: REPLICAS + 2 * REPLICAS };
  }

  it('one signed slash command delivered to each replica and Confirm pressed twice on each: one execution, one timeline row per step', async () => {
    const channel = { id: 'CINCFAULTS1', name: 'inc-faults-1' };
    const r = await runOnceThroughEveryReplica(channel);
    await waitFor(async () => (await timeline(channel.id)).includes('action.finished'), 30_000, 'the run to be recorded');
    expect(executions()).toBe(1);
    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    const kinds = await timeline(channel.id);
    for (const k of ['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']) expect(kinds.filter((x) => x === k), k).toHaveLength(1);
    figures.push({ scenario: 'retries and double clicks, all up', deliveries: r.deliveries, executions: executions(), fault: 'none', delay: `card ${r.cardMs} ms, done ${r.doneMs} ms after the first delivery` });
  }, 180_000);

  it('Redis killed: replicas keep serving, readiness says so, and the same deliveries still run once (deduplicated in PostgreSQL)', async () => {
    redis!.kill('SIGKILL');
    await new Promise<void>((r) => redis!.once('exit', () => r()));
    const killedAt = Date.now();
    for (const s of servers) await waitFor(async () => (await ready(s.port)) === 503, 30_000, `replica :${s.port} to report Redis down on /readyz`);
    const channel = { id: 'CINCFAULTS2', name: 'inc-faults-2' };
    const r = await runOnceThroughEveryReplica(channel);
    await waitFor(async () => (await timeline(channel.id)).includes('action.finished'), 30_000, 'the run to be recorded');
    expect(executions()).toBe(2);
    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    const kinds = await timeline(channel.id);
    for (const k of ['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']) expect(kinds.filter((x) => x === k), k).toHaveLength(1);
    expect(servers.map((s) => s.proc.exitCode)).toEqual(Array(REPLICAS).fill(null));

    await startRedis();
    const back = Date.now();
    for (const s of servers) await waitFor(async () => (await ready(s.port)) === 200, 60_000, `replica :${s.port} /readyz 200 with Redis back`);
    figures.push({
      scenario: 'Redis killed (SIGKILL), then back',
      deliveries: r.deliveries,
      executions: 1,
      fault: `Redis down ${back - killedAt} ms`,
      delay: `card ${r.cardMs} ms, done ${r.doneMs} ms with Redis down; /readyz 200 on all ${Date.now() - back} ms after Redis restarted`,
    });
  }, 240_000);
});
