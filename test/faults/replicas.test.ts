/**
 * `npm run test:faults`: the multi-replica promises, tested together on the production build.
 * Three `node dist/cli.js start` processes on one PostgreSQL scratch database and a Redis of the
 * test's own (its own port, never the shared 6379), a round-robin proxy in front, the Slack fake
 * behind. Every delivery goes through the proxy on a connection of its own, so retries land on
 * different replicas as they would behind a load balancer. The figures are printed at the end
 * (docs/production.md, "Reliability").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import type { SlackFake } from '../fakes/slack-api.js';
import { ALICE, BOB, BOT_TOKEN, clickPayload, SIGNING_SECRET, startDefaultFake, buttonsOf, headerOf, nextTrigger } from '../e2e/slack-harness.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
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

/** Processes whose parent is `pid`, with their argv (from /proc). */
function childrenOf(pid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** A slash command through the proxy, on a connection of its own. */
async function slash(proxyPort: number, fake: SlackFake, command: string, text: string, channel: { id: string; name: string }) {
  const trigger = nextTrigger();
  const body = slashCommandBody({ command, text, user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
  expect(await post(proxyPort, '/slack/events', body, signSlack(SIGNING_SECRET, body))).toBe(200);
  return trigger;
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
  let kube: FakeKube;

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
    // The rollout of the SIGKILL scenario waits on this fake cluster long enough to be killed in.
    kube = await startFakeKube({ dir, deployments: [{ namespace: 'conduit', name: 'api', replicas: 2, container: 'api', images: ['registry/api:v1', 'registry/api:v2'] }], settleMs: 20_000 });
    redisPort = await freePort();
    await startRedis();
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
services:
  api:
    deploy: { kind: kubernetes, namespace: conduit, deployment: api, kubeconfig: ${JSON.stringify(kube.kubeconfig)} }
    replicas: { min: 1, max: 6 }
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
    for (const s of servers) {
      await waitFor(async () => {
        if (s.proc.exitCode !== null) throw new Error(`replica :${s.port} exited ${s.proc.exitCode}: ${s.stderr.slice(-600)}`);
        return (await ready(s.port)) === 200;
      }, 120_000, `replica :${s.port} /readyz 200`);
    }
    proxy = new RoundRobinProxy(ports);
    await proxy.up();
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
    for (const s of servers) if (s.proc.exitCode === null) s.proc.kill('SIGKILL');
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
    await pool?.end();
    await fake?.close();
    await kube?.close();
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

  it('one replica SIGKILLed mid-rollout: the others keep serving, the cluster change completes, the lease expires and the next operation on the service runs once', async () => {
    const channel = { id: 'CINCFAULTS3', name: 'inc-faults-3' };
    await slash(proxy.port, fake, '/rollback', 'api', channel);
    // The card is posted, then edited in place once the cluster was read: wait for its Confirm.
    const msg = await fake.waitFor(() => [...fake.messages.values()].find((m) => m.channel === channel.id && buttonsOf(m.blocks).length > 0), 60_000);
    const confirm = buttonsOf(msg.blocks)[0]!;
    const b = blockActionsBody(clickPayload(fake, confirm.action_id, { channel: channel.id, ts: msg.ts }, { user: BOB, channelName: channel.name, label: 'Confirm' }));
    expect(await post(proxy.port, '/slack/events', b, signSlack(SIGNING_SECRET, b))).toBe(200);
    // The replica running the rollout is the one whose kubectl is waiting on `rollout status`.
    const holder = await waitFor(
      () => servers.find((s) => s.proc.exitCode === null && childrenOf(s.proc.pid!).some((c) => c.argv.includes('rollout') && c.argv.includes('status'))),
      60_000,
      'a replica to be waiting on kubectl rollout status',
    );
    const revisionBefore = kube.deployment('conduit', 'api').revision;
    // The pod dies whole: Firebreak and the kubectl it started.
    const tools = childrenOf(holder.proc.pid!);
    holder.proc.kill('SIGKILL');
    for (const t of tools) process.kill(t.pid, 'SIGKILL');
    const killedAt = Date.now();
    await new Promise<void>((r) => (holder.proc.exitCode !== null || holder.proc.signalCode !== null ? r() : holder.proc.once('exit', () => r())));
    const others = servers.filter((s) => s !== holder);
    for (const s of others) expect(await ready(s.port)).toBe(200);
    // The undo reached the cluster before the kill; the cluster finishes it on its own.
    expect(revisionBefore).toBe(3);
    expect(kube.deployment('conduit', 'api').image).toBe('registry/api:v1');

    // Until the dead replica's lease expires, /scale api is "already running"; then another replica takes it.
    const scaleChannel = { id: 'CINCFAULTS4', name: 'inc-faults-4' };
    let attempts = 0;
    const withConfirm = () => [...fake.messages.values()].find((m) => m.channel === scaleChannel.id && buttonsOf(m.blocks).length > 0);
    const scaleMsg = await waitFor(
      async () => {
        attempts++;
        const seen = fake.calls.length;
        await slash(proxy.port, fake, '/scale', 'api 4', scaleChannel);
        // An answer: the card (edited to show its Confirm), or "already running" while the lease holds.
        await waitFor(() => withConfirm() ?? fake.calls.length > seen, 30_000, 'an answer to /scale');
        const card = await waitFor(() => withConfirm() ?? null, 5_000, 'its Confirm').catch(() => undefined);
        return card;
      },
      150_000,
      'a /scale card with Confirm once the lease expired',
    );
    const acceptedMs = Date.now() - killedAt;
    const scaleConfirm = buttonsOf(scaleMsg.blocks)[0]!;
    kube.settleMs = 300;
    await Promise.all(
      [ALICE, BOB, ALICE, BOB].map((user) => {
        const body = blockActionsBody(clickPayload(fake, scaleConfirm.action_id, { channel: scaleChannel.id, ts: scaleMsg.ts }, { user, channelName: scaleChannel.name, label: 'Confirm' }));
        return post(proxy.port, '/slack/events', body, signSlack(SIGNING_SECRET, body));
      }),
    );
    await fake.waitFor(() => /^✅ /.test(headerOf(fake.messages.get(`${scaleChannel.id}:${scaleMsg.ts}`)?.blocks)), 90_000);
    expect(kube.deployment('conduit', 'api').replicas).toBe(4);
    expect(kube.writes().filter((w) => w.url.includes('/deployments/api/scale') && w.method !== 'GET')).toHaveLength(1);
    expect(others.map((s) => s.proc.exitCode)).toEqual([null, null]);
    // Nothing stays "started": another replica recorded the rollback interrupted (outcome unknown), once, and said so in its channel.
    const rollbackRows = await waitFor(
      async () => {
        const rows = (await pool.query<{ kind: string; outcome: string | null }>('SELECT kind, outcome FROM timeline_events WHERE channel_id = $1 ORDER BY id', [channel.id])).rows;
        return rows.some((r) => r.kind === 'action.finished') ? rows : null;
      },
      90_000,
      'the killed rollback to be recorded interrupted',
    );
    expect(rollbackRows.filter((r) => r.kind === 'action.started')).toHaveLength(1);
    expect(rollbackRows.filter((r) => r.kind === 'action.finished').map((r) => r.outcome)).toEqual(['interrupted']);
    const note = await fake.waitFor(() => [...fake.messages.values()].find((m) => m.channel === channel.id && JSON.stringify(m.blocks ?? m.text).includes('the Firebreak replica running it stopped')), 60_000);
    expect(note).toBeDefined();
    const reportedMs = Date.now() - killedAt;
    figures.push({
      scenario: 'replica SIGKILLed mid-rollout',
      deliveries: attempts + 1 + 1 + 4,
      executions: 2,
      fault: 'SIGKILL of the replica (and its kubectl) in rollout status',
      delay: `the next operation on the service accepted ${acceptedMs} ms after the kill (lease expiry, ${attempts} attempts), rollout itself completed by the cluster; the rollback recorded interrupted and its note posted by ${reportedMs} ms`,
    });
  }, 300_000);
});
