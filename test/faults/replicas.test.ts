/**
 * `npm run test:faults`: the multi-replica promises, tested together on the production build.
 * Three `node dist/cli.js start` processes on a PostgreSQL cluster of the test's own (initdb into a
 * temp dir, its own port: the suite stops and starts it; the machine's shared cluster is never
 * touched) and a Redis of its own, a round-robin proxy in front, the Slack, Discord and Kubernetes
 * fakes behind, and a real Alertmanager HA pair sending to the proxy. Every delivery goes through
 * the proxy on a connection of its own, so retries land on different replicas as they would behind
 * a load balancer; work meant to be held by one replica when it dies is sent to that replica's
 * own port, as a balancer may well have done. The replicas, the cluster and the fakes are shared by
 * the scenarios, in order: a replica killed in one is started again (same port) before the next.
 * The figures are printed at the end (docs/production.md, "Reliability").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeDiscordApi, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import type { SlackFake } from '../fakes/slack-api.js';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import { ALICE, BOB, BOT_TOKEN, buttonsOf, clickPayload, headerOf, INCIDENTS, nextTrigger, SIGNING_SECRET, startDefaultFake } from '../e2e/slack-harness.js';
import { pushAll, startAlertmanagerPair, type PushedAlert, type RunningAlertmanager } from '../support/alertmanager.js';
import { killPid, killPidInFile, readPid } from '../support/pid-file.js';
import { childrenOf, readinessOf, readyStatus, ReadinessLog, ReplicaSet, type Replica } from '../support/replica-set.js';
import { RoundRobinProxy } from '../support/round-robin-proxy.js';
import { startScratchCluster, type ScratchCluster } from '../support/scratch-postgres.js';
import { waitFor } from '../support/wait.js';

const DIST = resolve('dist/cli.js');
const APPEND = resolve('test/fakes/append-argv.mjs');
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');
const REPLICAS = 3;
const ALERTS_TOKEN = 'faults-alerts-token-0123456789abcdef';
/** 2,000 alerts in 80 groups (alertname + service): more than the default 50 cards a minute show soon, so a storm digest. */
const STORM = { groups: 80, perGroup: 25 };
/** Seconds running steps get to finish after SIGTERM (the SIGTERM scenario: a backup that fits, a rollout that does not). */
const GRACE_S = 8;

const DISCORD = {
  app: '1200000000000000021',
  bot: 'discord-bot-token-for-the-faults-suite',
  alice: { id: '111111111111111111', username: 'alice' },
  bob: { id: '222222222222222222', username: 'bob' },
  incidents: { id: '500000000000000001', name: 'incidents' },
  channel: { id: '500000000000000031', name: 'inc-faults-discord' },
};

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** POST on a fresh connection (no keep-alive), so the proxy picks the next replica for each. */
function post(port: number, path: string, body: string, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  return new Promise((resolvePost, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePost({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const pad = (n: number) => String(n).padStart(2, '0');
const stormName = (g: number) => `FaultStorm${pad(g)}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** A row of the figures table (docs/production.md, "Reliability"). */
interface Figure {
  scenario: string;
  deliveries: string;
  executions: string;
  fault: string;
  delay: string;
}
const figures: Figure[] = [];

describe('three replicas of the production build behind a round-robin proxy', () => {
  let dir: string;
  let log: string;
  let cluster: ScratchCluster;
  let dbUrl: string;
  let pool: pg.Pool;
  let fake: SlackFake;
  let discord: FakeDiscordApi;
  let signer: DiscordSigner;
  let redis: ChildProcess | undefined;
  let redisPort: number;
  let replicas: ReplicaSet;
  let ports: number[];
  let proxy: RoundRobinProxy;
  let kube: FakeKube;
  let ams: [RunningAlertmanager, RunningAlertmanager] | undefined;
  const markers: string[] = [];
  const marker = (name: string) => {
    const m = join(dir, name);
    markers.push(m);
    return m;
  };
  let procMarker: string;
  let flushMarker: string;
  let backupMarker: string;
  /** When the storm's first alerts were sent, for the last scenario's figure. */
  let stormStartedAt = 0;

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

  beforeAll(async () => {
    expect(existsSync(DIST), 'npm run test:faults builds dist/ first').toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'firebreak-faults-'));
    log = join(dir, 'executions.log');
    procMarker = marker('procedure-step-started');
    flushMarker = marker('flush-started');
    backupMarker = marker('backup-started');
    cluster = await startScratchCluster();
    const admin = new pg.Client({ connectionString: cluster.url() });
    await admin.connect();
    await admin.query('CREATE DATABASE firebreak');
    await admin.end();
    dbUrl = cluster.url('firebreak');
    pool = new pg.Pool({ connectionString: dbUrl, max: 2 });
    // The cluster is stopped on purpose: an idle client's broken connection must not fail the run.
    pool.on('error', () => {});
    fake = await startDefaultFake();
    signer = discordSigner();
    discord = await startFakeDiscordApi({ botToken: DISCORD.bot, channels: [DISCORD.incidents, DISCORD.channel] });
    // The rollouts of the kill scenarios wait on this fake cluster long enough to be killed in.
    kube = await startFakeKube({ dir, deployments: [{ namespace: 'conduit', name: 'api', replicas: 2, container: 'api', images: ['registry/api:v1', 'registry/api:v2'] }], settleMs: 20_000 });
    redisPort = await freePort();
    await startRedis();
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}", "discord:${DISCORD.alice.id}", "discord:${DISCORD.bob.id}"]
alerts:
  token: ${ALERTS_TOKEN}
shutdown:
  grace_s: ${GRACE_S}
services:
  api:
    deploy: { kind: kubernetes, namespace: conduit, deployment: api, kubeconfig: ${JSON.stringify(kube.kubeconfig)} }
    replicas: { min: 1, max: 6 }
actions:
  drain:
    description: Drain the queue (records each run)
    argv: [node, ${JSON.stringify(APPEND)}, ${JSON.stringify(log)}, drained]
    timeout_s: 30
  slow-drain:
    description: Drain the queue slowly (a procedure's step)
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(procMarker)}, "300", ${JSON.stringify(join(dir, 'slow-drain-calls.jsonl'))}]
    timeout_s: 600
  slow-flush:
    description: Flush the cache slowly, without asking first
    confirm: false
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(flushMarker)}, "300", ${JSON.stringify(join(dir, 'slow-flush-calls.jsonl'))}]
    timeout_s: 30
procedures:
  drain-queue:
    description: Drain the queue, then tell the team
    steps:
      - run: "/run slow-drain"
      - manual: "Tell the team the queue is drained"
backups:
  destination: { dir: ${JSON.stringify(join(dir, 'backups'))} }
  schedule: "off"
  targets:
    files:
      type: command
      argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(backupMarker)}, "4"]
      extension: txt
`,
    );
    ports = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    replicas = new ReplicaSet({
      dist: DIST,
      cwd: dir,
      ports,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        DATABASE_URL: dbUrl,
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        FIREBREAK_CONFIG: join(dir, 'firebreak.yml'),
        FIREBREAK_LINK_SECRET: 'faults-link-secret-0123456789abcdef-0123',
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: fake.apiUrl,
        DISCORD_BOT_TOKEN: DISCORD.bot,
        DISCORD_APPLICATION_ID: DISCORD.app,
        DISCORD_PUBLIC_KEY: signer.publicKeyHex,
        DISCORD_API_URL: discord.apiUrl,
        LOG_LEVEL: 'warn',
      },
    });
    // One first, so the migrations run once; then the other two side by side.
    await replicas.start(0);
    await Promise.all([replicas.start(1), replicas.start(2)]);
    proxy = new RoundRobinProxy(ports);
    await proxy.up();
    // Alertmanager sends to the balancer as it would in a cluster; both of the pair deliver every notification.
    ams = await startAlertmanagerPair({ webhookUrl: `http://127.0.0.1:${proxy.port}/webhooks/alertmanager`, token: ALERTS_TOKEN, groupWait: '1s', groupInterval: '1s' });
  }, 300_000);

  afterAll(async () => {
    for (const am of ams ?? []) await am.stop();
    await proxy?.close();
    await replicas?.closeAll();
    // Tools a killed replica started are nobody's children now: they must not outlive the suite.
    for (const m of markers) killPidInFile(m);
    if (redis && redis.exitCode === null) redis.kill('SIGKILL');
    await pool?.end().catch(() => {});
    await fake?.close();
    await discord?.close();
    await kube?.close();
    await cluster?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `\nFault suite figures:\n| scenario | deliveries sent | executions / stored | fault | what it cost |\n| --- | --- | --- | --- | --- |\n${figures.map((f) => `| ${f.scenario} | ${f.deliveries} | ${f.executions} | ${f.fault} | ${f.delay} |`).join('\n')}`,
    );
  }, 120_000);

  /** Why a replica is gone: its exit and the end of its log, for an assertion's message. */
  const deadReplicas = () =>
    replicas.replicas
      .filter((r) => r.proc.exitCode !== null || r.proc.signalCode !== null)
      .map((r) => `replica :${r.port} exited (${r.proc.exitCode ?? r.proc.signalCode}):\n${r.stderr.slice(-3000)}`)
      .join('\n---\n');
  const executions = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0);
  const callsOf = (name: string) => {
    const f = join(dir, `${name}-calls.jsonl`);
    return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).length : 0;
  };
  const timeline = async (channel: string) =>
    (await pool.query<{ kind: string; outcome: string | null; detail: { interrupted?: string } }>('SELECT kind, outcome, detail FROM timeline_events WHERE channel_id = $1 ORDER BY id', [channel])).rows;
  const kindsIn = async (channel: string) => (await timeline(channel)).map((r) => r.kind);
  const inChannel = (channel: string) => [...fake.messages.values()].filter((m) => m.channel === channel);
  const say = (port: number, body: string) => post(port, '/slack/events', body, signSlack(SIGNING_SECRET, body));

  /** A slash command to `port` (the proxy, or one replica), on a connection of its own. */
  async function slash(port: number, command: string, text: string, channel: { id: string; name: string }) {
    const trigger = nextTrigger();
    const body = slashCommandBody({ command, text, user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    expect((await say(port, body)).status).toBe(200);
    return trigger;
  }
  /** Presses a button of a message in `channel` through `port`. */
  async function press(port: number, channel: { id: string; name: string }, ts: string, button: { action_id: string; text: { text: string } }, user = BOB) {
    const body = blockActionsBody(clickPayload(fake, button.action_id, { channel: channel.id, ts }, { user, channelName: channel.name, label: button.text.text }));
    expect((await say(port, body)).status).toBe(200);
  }
  /** The message in `channel` with buttons (labelled `label`, if given): a card waiting for its Confirm. */
  const cardWith = (channel: { id: string }, label?: string) =>
    fake.waitFor(() => inChannel(channel.id).find((m) => buttonsOf(m.blocks).some((b) => !label || b.text.text === label)), 60_000);

  /** One /run drain: the slash command delivered 3 times (2 retries), then Confirm pressed twice through each replica. */
  async function runOnceThroughEveryReplica(channel: { id: string; name: string }) {
    const before = proxy.hits.slice();
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/run', text: 'drain', user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    const t0 = Date.now();
    const answers = [];
    for (let retry = 0; retry < REPLICAS; retry++) {
      answers.push((await post(proxy.port, '/slack/events', body, { ...signSlack(SIGNING_SECRET, body), ...(retry > 0 ? { 'x-slack-retry-num': String(retry), 'x-slack-retry-reason': 'http_timeout' } : {}) })).status);
    }
    expect(answers).toEqual([200, 200, 200]);
    expect(proxy.hits.map((h, i) => h - before[i]!)).toEqual([1, 1, 1]); // one delivery on each replica
    const card = await fake.waitFor(() => fake.callsOf('chat.postMessage', true).find((c) => c.args.channel === channel.id), 60_000);
    const cardMs = Date.now() - t0;
    const confirm = buttonsOf(card.args.blocks as unknown[])[0]!;
    const msg = inChannel(channel.id)[0]!;
    const clicks = await Promise.all(
      Array.from({ length: 2 * REPLICAS }, (_, i) => {
        const b = blockActionsBody(clickPayload(fake, confirm.action_id, { channel: channel.id, ts: msg.ts }, { user: i % 2 ? BOB : ALICE, channelName: channel.name, label: 'Confirm' }));
        return say(proxy.port, b).then((r) => r.status);
      }),
    );
    expect(clicks).toEqual(Array(2 * REPLICAS).fill(200));
    await fake.waitFor(() => /^✅ /.test(headerOf(fake.messages.get(`${channel.id}:${msg.ts}`)?.blocks)), 60_000);
    return { cardMs, doneMs: Date.now() - t0, deliveries: REPLICAS + 2 * REPLICAS };
  }

  async function expectOneRowPerStep(channel: string) {
    await waitFor(async () => (await kindsIn(channel)).includes('action.finished'), 30_000, 'the run to be recorded');
    const kinds = await kindsIn(channel);
    for (const k of ['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']) expect(kinds.filter((x) => x === k), k).toHaveLength(1);
  }

  it('one signed slash command delivered to each replica and Confirm pressed twice on each: one execution, one timeline row per step', async () => {
    const channel = { id: 'CINCFAULTS1', name: 'inc-faults-1' };
    const r = await runOnceThroughEveryReplica(channel);
    await expectOneRowPerStep(channel.id);
    expect(executions()).toBe(1);
    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    figures.push({ scenario: 'Slack: `/run drain` delivered to each replica (2 as Slack retries), Confirm pressed twice through each', deliveries: String(r.deliveries), executions: '1', fault: 'none', delay: `card ${r.cardMs} ms, done ${r.doneMs} ms after the first delivery` });
  }, 180_000);

  it('Discord: one /run interaction delivered to each replica and Confirm pressed twice on each: one execution, one timeline row per step', async () => {
    const before = proxy.hits.slice();
    const ranBefore = executions();
    const i = commandInteraction(DISCORD.app, 'run', [{ name: 'action', type: 3, value: 'drain' }], { user: DISCORD.alice, channel: DISCORD.channel });
    discord.trackInteraction(i);
    const body = JSON.stringify(i);
    const t0 = Date.now();
    type Answer = { type: number; data?: { flags?: number; embeds?: { title?: string; description?: string }[]; components?: { components: { custom_id: string; label: string }[] }[] } };
    const answers: Answer[] = [];
    for (let n = 0; n < REPLICAS; n++) {
      const r = await post(proxy.port, '/discord/interactions', body, signer.headers(body));
      expect(r.status).toBe(200);
      answers.push(JSON.parse(r.text) as Answer);
    }
    expect(proxy.hits.map((h, n) => h - before[n]!)).toEqual([1, 1, 1]);
    // The same interaction id: the first replica runs it, the others say so privately.
    const repeats = answers.filter((a) => a.data?.flags === 64 && JSON.stringify(a.data).includes('already received this interaction'));
    expect(repeats).toHaveLength(REPLICAS - 1);
    const first = answers.find((a) => !repeats.includes(a))!;
    // The card comes in the answer, or (deferred on a busy machine) as the edit of the original message.
    const cardBody =
      first.type === 4
        ? first.data!
        : ((await discord.waitFor((c) => c.method === 'PATCH' && c.route === `/webhooks/${DISCORD.app}/${i.token}/messages/@original` && c.status === 200 && JSON.stringify(c.body).includes('custom_id'), 60_000)).body as NonNullable<Answer['data']>);
    const cardMs = Date.now() - t0;
    const confirm = cardBody.components!.flatMap((row) => row.components).find((b) => b.custom_id.startsWith('confirm:'))!;
    const clicks = Array.from({ length: 2 * REPLICAS }, (_, n) => buttonInteraction(DISCORD.app, confirm.custom_id, { user: n % 2 ? DISCORD.bob : DISCORD.alice, channel: DISCORD.channel }));
    for (const c of clicks) discord.trackInteraction(c);
    const clicked = await Promise.all(clicks.map((c) => JSON.stringify(c)).map((b) => post(proxy.port, '/discord/interactions', b, signer.headers(b))));
    expect(clicked.map((c) => c.status)).toEqual(Array(2 * REPLICAS).fill(200));
    // The one press that ran shows the result: in its answer, or in the edit that follows a deferral.
    const done = (text: string) => text.includes('drain: done');
    await waitFor(() => clicked.some((c) => done(c.text)) || discord.calls.some((c) => c.method === 'PATCH' && clicks.some((k) => c.route.includes(k.token)) && done(JSON.stringify(c.body))), 60_000, 'the result on Discord');
    const doneMs = Date.now() - t0;
    await expectOneRowPerStep(DISCORD.channel.id);
    expect(executions()).toBe(ranBefore + 1);
    figures.push({ scenario: 'Discord: `/run drain` interaction delivered to each replica, Confirm pressed twice through each', deliveries: String(REPLICAS + 2 * REPLICAS), executions: '1', fault: 'none', delay: `card ${cardMs} ms, done ${doneMs} ms after the first delivery` });
  }, 180_000);

  it('Redis killed: replicas keep serving, readiness says so, and the same deliveries still run once (deduplicated in PostgreSQL)', async () => {
    const ranBefore = executions();
    redis!.kill('SIGKILL');
    await new Promise<void>((r) => redis!.once('exit', () => r()));
    const killedAt = Date.now();
    // Degraded, not unready: a 503 here would take every replica out of a Kubernetes Service at once.
    for (const s of replicas.live) {
      const seen = await waitFor(async () => {
        const r = await readinessOf(s.port);
        return r.status === 'degraded' ? r : null;
      }, 30_000, `replica :${s.port} to report Redis down on /readyz`);
      expect(seen.code).toBe(200);
    }
    const channel = { id: 'CINCFAULTS2', name: 'inc-faults-2' };
    const r = await runOnceThroughEveryReplica(channel);
    await expectOneRowPerStep(channel.id);
    expect(executions()).toBe(ranBefore + 1);
    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    expect(replicas.live, deadReplicas()).toHaveLength(REPLICAS);

    await startRedis();
    const back = Date.now();
    for (const s of replicas.live) await waitFor(async () => (await readinessOf(s.port)).status === 'ready', 60_000, `replica :${s.port} /readyz ready with Redis back`);
    figures.push({
      scenario: 'the same with Redis killed (SIGKILL), then started again',
      deliveries: String(r.deliveries),
      executions: '1 (deduplicated and leased in PostgreSQL)',
      fault: `Redis down ${back - killedAt} ms; /readyz 200 "degraded" on every replica meanwhile (still in the load balancer), none exited`,
      delay: `card ${r.cardMs} ms, done ${r.doneMs} ms with Redis down; /readyz "ready" on all ${Date.now() - back} ms after Redis restarted`,
    });
  }, 240_000);

  it('PostgreSQL stopped and started during a 2,000-alert storm sent by a real Alertmanager pair: every alert stored once, every group shown, no replica exited, /readyz 503 and back', async () => {
    const startsAt = new Date(Date.now() - 60_000);
    const alerts: PushedAlert[] = [];
    for (let g = 0; g < STORM.groups; g++) {
      for (let k = 0; k < STORM.perGroup; k++) {
        alerts.push({ labels: { alertname: stormName(g), service: `storm-${pad(g)}`, severity: 'warning', instance: `node-${pad(g)}-${pad(k)}` }, annotations: { summary: `${stormName(g)} on node-${pad(g)}-${pad(k)}` }, startsAt });
      }
    }
    const push = async (batch: PushedAlert[]) => {
      for (let n = 0; n < batch.length; n += 250) await pushAll(ams!, batch.slice(n, n + 250));
    };
    const stored = async () => (await pool.query<{ n: number; distinct: number; groups: number }>("SELECT count(*)::int AS n, count(DISTINCT a.labels->>'instance')::int AS distinct, count(DISTINCT g.id)::int AS groups FROM alerts a JOIN alert_groups g ON g.id = a.group_id WHERE g.alertname LIKE 'FaultStorm%'")).rows[0]!;
    const before = await amCounters(ams!);
    const readiness = new ReadinessLog(ports).start();
    const t0 = Date.now();
    stormStartedAt = t0;
    try {
      // The first half while PostgreSQL is up; it goes away once some of it is stored.
      await push(alerts.slice(0, alerts.length / 2));
      await waitFor(async () => (await stored()).n > 0, 60_000, 'the first alerts to be stored');
      const storedBeforeStop = (await stored()).n;
      await cluster.stop();
      const stoppedAt = Date.now();
      await push(alerts.slice(alerts.length / 2));
      // Down long enough that every replica reports it and Alertmanager has been refused (503) and is retrying.
      for (const s of replicas.live) await waitFor(async () => (await readyStatus(s.port)) === 503, 30_000, `replica :${s.port} to report PostgreSQL down on /readyz`);
      await waitFor(async () => (await amCounters(ams!)).failedRequests > before.failedRequests, 60_000, 'Alertmanager to be refused while PostgreSQL is down');
      await waitFor(() => Date.now() - stoppedAt >= 5_000, 10_000, 'five seconds of outage');
      await cluster.start();
      const back = Date.now();
      const downMs = back - stoppedAt;

      await waitFor(async () => (await stored()).n === alerts.length, 180_000, `all ${alerts.length} alerts to be stored`);
      const storedMs = Date.now() - back;
      for (const s of replicas.live) await waitFor(async () => (await readyStatus(s.port)) === 200, 60_000, `replica :${s.port} /readyz 200 with PostgreSQL back`);
      const readyMs = Date.now() - back;
      // Every group is in front of people: on a card of its own or on the storm digest (Slack's incidents channel).
      const hidden = () => {
        const shown = inChannel(INCIDENTS.id).map((m) => JSON.stringify(m.blocks ?? m.text ?? '')).join('\n');
        return Array.from({ length: STORM.groups }, (_, g) => stormName(g)).filter((name) => !shown.includes(name));
      };
      await waitFor(() => hidden().length === 0, 120_000, 'every group on a card or the storm digest').catch((err: unknown) => {
        throw new Error(`${String(err)}; not shown: ${hidden().join(', ')}`);
      });
      const shownMs = Date.now() - back;
      readiness.stop();

      const s = await stored();
      expect(s).toEqual({ n: alerts.length, distinct: alerts.length, groups: STORM.groups });
      const perGroup = (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM alerts a JOIN alert_groups g ON g.id = a.group_id WHERE g.alertname LIKE 'FaultStorm%' GROUP BY g.id")).rows.map((r) => r.n);
      expect(perGroup).toEqual(Array(STORM.groups).fill(STORM.perGroup));
      expect(replicas.live, deadReplicas()).toHaveLength(REPLICAS);
      for (const p of ports) expect(readiness.seen(p), `/readyz of :${p}`).toEqual(expect.arrayContaining([503, 200]));
      for (const p of ports) expect(readiness.seen(p).lastIndexOf(200), `/readyz of :${p} back at 200 after its 503`).toBeGreaterThan(readiness.seen(p).indexOf(503));
      const after = await amCounters(ams!);
      const digest = inChannel(INCIDENTS.id).some((m) => headerOf(m.blocks).includes('Alert storm in'));
      figures.push({
        scenario: `PostgreSQL stopped (pg_ctl stop -m fast) and started during a storm of ${alerts.length.toLocaleString('en')} alerts in ${STORM.groups} groups, sent to the balancer by a real Alertmanager HA pair`,
        deliveries: `${after.requests - before.requests} webhook requests (${after.failedRequests - before.failedRequests} refused with 503 and retried by Alertmanager)`,
        executions: `${alerts.length.toLocaleString('en')} alerts sent to each of the pair, ${s.n.toLocaleString('en')} stored once each (${storedBeforeStop} before the stop), ${s.groups} groups`,
        fault: `PostgreSQL down ${downMs} ms; /readyz 503 on every replica, none exited`,
        delay: `every alert stored ${storedMs} ms after PostgreSQL was back (${seconds(Date.now() - t0)} for the whole scenario); /readyz 200 on all after ${readyMs} ms; every group shown (${digest ? 'storm digest and cards' : 'cards'}) after ${shownMs} ms`,
      });
    } finally {
      readiness.stop();
      if (!(await cluster.running())) await cluster.start();
    }
  }, 300_000);

  it("one replica SIGKILLed while it holds a rollout, a procedure's step, a confirm: false /run and the storm's outbox lane: the others finish or report each", async () => {
    // Mid-storm: the Slack lane of the incidents channel still has cards to post, and one replica holds it.
    const laneHolder = async () => (await pool.query<{ holder_id: string }>("SELECT holder_id FROM leases WHERE key LIKE 'alert-outbox:slack:%' AND expires_at > now()")).rows[0]?.holder_id;
    const pendingCards = async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE platform = 'slack' AND message_key LIKE 'alert-group:%'")).rows[0]!.n;
    const holderOf = (id: string | undefined) => (id ? replicas.live.find((r) => id.includes(`:${r.proc.pid}:`)) : undefined);
    const h = await waitFor(async () => ((await pendingCards()) > 0 ? holderOf(await laneHolder()) : undefined), 60_000, 'a replica to hold the Slack lane with cards waiting');
    const hPid = h.proc.pid!;

    // Mid-procedure: the procedure's slow first step runs on h.
    const procChannel = { id: 'CINCFAULTS5', name: 'inc-faults-5' };
    await slash(h.port, '/procedure', 'drain-queue', procChannel);
    const procCard = await cardWith(procChannel, 'Run procedure');
    await press(h.port, procChannel, procCard.ts, buttonsOf(procCard.blocks).find((b) => b.text.text === 'Run procedure')!);
    const toolPid = await waitFor(() => readPid(procMarker), 90_000, 'the procedure step’s tool to start');
    expect(childrenOf(hPid).map((c) => c.pid)).toContain(toolPid);
    const [run] = (await pool.query<{ id: string; status: string }>("SELECT id, status FROM procedure_runs WHERE procedure = 'drain-queue'")).rows;
    expect(run?.status).toBe('running');

    // Mid-rollout: h waits on `kubectl rollout status` (the fake cluster settles in 30 s, time enough to kill h in).
    const channel = { id: 'CINCFAULTS3', name: 'inc-faults-3' };
    kube.settleMs = 30_000;
    await slash(h.port, '/rollback', 'api', channel);
    const msg = await cardWith(channel);
    await press(h.port, channel, msg.ts, buttonsOf(msg.blocks)[0]!);
    await waitFor(() => childrenOf(hPid).some((c) => c.argv.includes('rollout') && c.argv.includes('status')), 60_000, 'h to be waiting on kubectl rollout status');
    const revisionBefore = kube.deployment('conduit', 'api').revision;

    // A confirm: false /run runs at once (no card) on h.
    const flushChannel = { id: 'CINCFAULTS6', name: 'inc-faults-6' };
    await slash(h.port, '/run', 'slow-flush', flushChannel);
    const flushPid = await waitFor(() => readPid(flushMarker), 60_000, 'the confirm: false run’s tool to start');
    expect(childrenOf(hPid).map((c) => c.pid)).toContain(flushPid);

    expect(holderOf(await laneHolder())).toBe(h);
    const pendingAtKill = await pendingCards();
    expect(pendingAtKill).toBeGreaterThan(0);
    const cardsAtKill = fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id).length;
    const claimedAtKill = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE claimed_by LIKE $1 AND claimed_until > now()', [`%:${hPid}:%`])).rows[0]!.n;

    // The pod dies whole: Firebreak and every tool it started.
    const tools = childrenOf(hPid);
    replicas.kill(h, 'SIGKILL');
    for (const t of tools) killPid(t.pid);
    const killedAt = Date.now();
    await h.exited;
    const others = replicas.live;
    expect(others).toHaveLength(REPLICAS - 1);
    for (const s of others) expect(await readyStatus(s.port)).toBe(200);
    // The undo reached the cluster before the kill; the cluster finishes it on its own.
    expect(revisionBefore).toBe(3);
    expect(kube.deployment('conduit', 'api').image).toBe('registry/api:v1');

    const since = (t: number) => Date.now() - t;
    const [lane, procedure, flush, rollback] = await Promise.all([
      // The storm goes on: another replica takes the lane, and h's claimed cards are claimed again and posted.
      (async () => {
        const marks: { taken?: number; posting?: number; released?: number } = {};
        await waitFor(async () => {
          const holder = holderOf(await laneHolder());
          if (holder && holder !== h) marks.taken ??= since(killedAt);
          if (fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id).length > cardsAtKill) marks.posting ??= since(killedAt);
          const stuck = (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE claimed_by LIKE $1', [`%:${hPid}:%`])).rows[0]!.n;
          if (stuck === 0) marks.released ??= since(killedAt);
          return marks.taken !== undefined && marks.posting !== undefined && marks.released !== undefined;
        }, 150_000, 'another replica to carry on with the storm’s cards');
        return marks as Required<typeof marks>;
      })(),
      // The procedure run is marked interrupted and its card posted again with Retry / Skip / Abort; Abort ends it.
      (async () => {
        const card = await fake.waitFor(() => inChannel(procChannel.id).find((m) => headerOf(m.blocks).includes('Procedure drain-queue: step 1 of 2 was interrupted — outcome unknown')), 150_000);
        const ms = since(killedAt);
        const buttons = buttonsOf(card.blocks);
        expect(buttons.map((b) => b.text.text)).toEqual(['Retry step', 'Skip step', 'Abort']);
        await press(proxy.port, procChannel, card.ts, buttons[2]!, ALICE);
        await waitFor(async () => (await pool.query<{ status: string }>('SELECT status FROM procedure_runs WHERE id = $1', [run!.id])).rows[0]?.status === 'aborted', 60_000, 'the run to be aborted');
        return ms;
      })(),
      // The confirm: false run is reported by the interrupted-step sweep, not left "started".
      (async () => {
        const note = await fake.waitFor(() => inChannel(flushChannel.id).find((m) => headerOf(m.blocks).includes('Interrupted: Run slow-flush')), 150_000);
        expect(JSON.stringify(note.blocks)).toContain('the Firebreak replica running it stopped before it finished');
        const ms = since(killedAt);
        const rows = await timeline(flushChannel.id);
        expect(rows.filter((r) => r.kind === 'action.started')).toHaveLength(1);
        expect(rows.filter((r) => r.kind === 'action.finished').map((r) => [r.outcome, r.detail.interrupted])).toEqual([['interrupted', 'process-gone']]);
        return ms;
      })(),
      // The rollback: until its lease expires, /scale api is "already running"; then another replica takes it, once.
      (async () => {
        const scaleChannel = { id: 'CINCFAULTS4', name: 'inc-faults-4' };
        let attempts = 0;
        const withConfirm = () => inChannel(scaleChannel.id).find((m) => buttonsOf(m.blocks).length > 0);
        const scaleMsg = await waitFor(
          async () => {
            attempts++;
            const seen = fake.calls.length;
            await slash(proxy.port, '/scale', 'api 4', scaleChannel);
            // An answer: the card (edited to show its Confirm), or "already running" while the lease holds.
            await waitFor(() => withConfirm() ?? fake.calls.length > seen, 30_000, 'an answer to /scale');
            return waitFor(() => withConfirm() ?? null, 5_000, 'its Confirm').catch(() => undefined);
          },
          150_000,
          'a /scale card with Confirm once the lease expired',
        );
        const acceptedMs = since(killedAt);
        const scaleConfirm = buttonsOf(scaleMsg.blocks)[0]!;
        kube.settleMs = 300;
        await Promise.all([ALICE, BOB, ALICE, BOB].map((user) => press(proxy.port, scaleChannel, scaleMsg.ts, scaleConfirm, user)));
        await fake.waitFor(() => /^✅ /.test(headerOf(fake.messages.get(`${scaleChannel.id}:${scaleMsg.ts}`)?.blocks)), 90_000);
        expect(kube.deployment('conduit', 'api').replicas).toBe(4);
        expect(kube.writes().filter((w) => w.url.includes('/deployments/api/scale') && w.method !== 'GET')).toHaveLength(1);
        // Nothing stays "started": another replica recorded the rollback interrupted (outcome unknown), once, and said so in its channel.
        const rows = await waitFor(async () => {
          const r = await timeline(channel.id);
          return r.some((x) => x.kind === 'action.finished') ? r : null;
        }, 90_000, 'the killed rollback to be recorded interrupted');
        expect(rows.filter((r) => r.kind === 'action.started')).toHaveLength(1);
        expect(rows.filter((r) => r.kind === 'action.finished').map((r) => r.outcome)).toEqual(['interrupted']);
        await fake.waitFor(() => inChannel(channel.id).find((m) => JSON.stringify(m.blocks ?? m.text).includes('the Firebreak replica running it stopped')), 60_000);
        return { acceptedMs, reportedMs: since(killedAt), attempts };
      })(),
    ]);
    // Nothing was run a second time, and nothing the dead replica held is left running.
    expect(callsOf('slow-drain')).toBe(1);
    expect(callsOf('slow-flush')).toBe(1);
    expect(replicas.live).toHaveLength(REPLICAS - 1);
    const leftRunning = (
      await pool.query<{ key: string }>(
        "SELECT key FROM leases WHERE expires_at > now() AND (key IN ('service:api', 'action:slow-drain', 'action:slow-flush') OR key LIKE 'procedure-run:%' OR holder_id LIKE $1)",
        [`%:${hPid}:%`],
      )
    ).rows;
    expect(leftRunning).toEqual([]);

    const killed = 'SIGKILL of the replica (and every tool it started)';
    figures.push(
      {
        scenario: 'mid-storm: the replica working the Slack lane of the storm’s cards',
        deliveries: '—',
        executions: `${pendingAtKill} cards still waiting at the kill, each posted once in the end (below)`,
        fault: killed,
        delay: `another replica took the lane ${lane.taken} ms after the kill (lane lease 30 s) and posted its next card at ${lane.posting} ms; ${claimedAtKill === 0 ? 'the dead replica had no card claimed at that moment (between two paced sends)' : `the ${claimedAtKill} card(s) the dead replica had claimed were free again by ${lane.released} ms (row claims 60 s)`}; the storm digest stayed up meanwhile`,
      },
      { scenario: 'mid-procedure: the replica running `drain-queue`’s slow first step', deliveries: '2 (the command, Run procedure)', executions: '1 (the step was not run again)', fault: killed, delay: `run marked interrupted and its card posted again with Retry step / Skip step / Abort ${procedure} ms after the kill (run lease 30 s, sweep every 15 s); Abort ended it` },
      { scenario: 'mid-`/run` of a `confirm: false` action', deliveries: '1', executions: '1 (not run again)', fault: killed, delay: `recorded interrupted (outcome unknown) and its note posted ${flush} ms after the kill (step lease timeout_s + 30 s = 60 s, sweep every 15 s)` },
      {
        scenario: 'mid-rollout: `/rollback api` waiting on `kubectl rollout status`',
        deliveries: `${2 + rollback.attempts + 4} (the rollback and its Confirm, ${rollback.attempts} × /scale, 4 × Confirm)`,
        executions: '2 (the rollback, and one `/scale` for 4 presses)',
        fault: killed,
        delay: `the change was in the cluster and completed there; the next \`/scale api\` accepted ${rollback.acceptedMs} ms after the kill ("already running" before: the step lease, 60 s); the rollback recorded interrupted and its note posted by ${rollback.reportedMs} ms`,
      },
    );
    await replicas.start(h.index);
  }, 300_000);

  it('SIGTERM while a replica runs a backup and a rollout: the backup drains and completes, the rollout is interrupted, reported and its lease freed, and the process exits 0', async () => {
    const r: Replica = replicas.live[0]!;
    const rPid = r.proc.pid!;
    kube.settleMs = 30_000;
    const channel = { id: 'CINCFAULTS7', name: 'inc-faults-7' };
    await slash(r.port, '/rollback', 'api', channel);
    const msg = await cardWith(channel);
    await press(r.port, channel, msg.ts, buttonsOf(msg.blocks)[0]!);
    await waitFor(() => childrenOf(rPid).some((c) => c.argv.includes('rollout') && c.argv.includes('status')), 60_000, 'r to be waiting on kubectl rollout status');
    const backupChannel = { id: 'CINCFAULTS8', name: 'inc-faults-8' };
    await slash(r.port, '/backup', 'now files', backupChannel);
    const toolPid = await waitFor(() => readPid(backupMarker), 60_000, 'the backup’s dump to start');
    expect(childrenOf(rPid).map((c) => c.pid)).toContain(toolPid);

    replicas.kill(r, 'SIGTERM');
    const termAt = Date.now();
    // From the first signal until exit, readiness sends new work elsewhere.
    await waitFor(async () => (await readyStatus(r.port)) === 503, 30_000, 'r to answer /readyz 503 while it drains');
    const notReadyMs = Date.now() - termAt;
    const exit = await r.exited;
    const exitMs = Date.now() - termAt;
    expect(exit).toEqual({ code: 0, signal: null });

    // The backup finished within the grace: complete, and told as done.
    const backups = (await pool.query<{ status: string; duration_ms: number }>("SELECT status, duration_ms FROM backups WHERE target = 'files'")).rows;
    expect(backups.map((b) => b.status)).toEqual(['complete']);
    await fake.waitFor(() => inChannel(backupChannel.id).find((m) => headerOf(m.blocks).includes('files backed up')), 30_000);
    // The rollout outlived the grace: interrupted by shutdown, recorded once, said on its card, its lease given back.
    const rows = await timeline(channel.id);
    expect(rows.filter((x) => x.kind === 'action.finished').map((x) => [x.outcome, x.detail.interrupted])).toEqual([['interrupted', 'shutdown']]);
    await fake.waitFor(() => inChannel(channel.id).find((m) => headerOf(m.blocks).includes('Interrupted by shutdown:')), 30_000);
    expect((await pool.query("SELECT key FROM leases WHERE key = 'service:api' AND expires_at > now()")).rows).toEqual([]);
    // So the next operation on the service is taken at once by another replica (no "already running").
    const scaleChannel = { id: 'CINCFAULTS9', name: 'inc-faults-9' };
    const asked = Date.now();
    await slash(proxy.port, '/scale', 'api 3', scaleChannel);
    await cardWith(scaleChannel);
    const acceptedMs = Date.now() - asked;
    expect((await pool.query("SELECT 1 FROM backups WHERE status = 'running'")).rows).toEqual([]);
    expect(replicas.live).toHaveLength(REPLICAS - 1);
    figures.push({
      scenario: `SIGTERM while one replica runs \`/backup now\` (a 4 s dump) and \`/rollback api\` (a 30 s rollout), \`shutdown.grace_s: ${GRACE_S}\``,
      deliveries: '4 (the backup, the rollback and its Confirm, then one `/scale`)',
      executions: '1 backup complete; 1 rollback interrupted by shutdown',
      fault: 'SIGTERM (a rolling update)',
      delay: `/readyz 503 ${notReadyMs} ms after SIGTERM; the backup completed within the grace; the rollout recorded "interrupted by shutdown" and its lease released; exit 0 ${exitMs} ms after SIGTERM; the next \`/scale api\` accepted by another replica ${acceptedMs} ms after it was sent`,
    });
    await replicas.start(r.index);
  }, 240_000);

  it("the storm's cards all reach Slack in the end: every group on a card of its own, nothing left in the outbox", async () => {
    const cardOf = (g: number) => fake.callsOf('chat.postMessage', true).some((c) => c.args.channel === INCIDENTS.id && headerOf(c.args.blocks as unknown[] | undefined).includes(stormName(g)));
    const missing = () => Array.from({ length: STORM.groups }, (_, g) => g).filter((g) => !cardOf(g));
    await waitFor(() => missing().length === 0, 240_000, 'every group’s own card').catch((err: unknown) => {
      throw new Error(`${String(err)}; no card yet: ${missing().map(stormName).join(', ')}`);
    });
    const lastCardAt = Math.max(...fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id && headerOf(c.args.blocks as unknown[] | undefined).includes('FaultStorm')).map((c) => c.at));
    await waitFor(async () => (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE platform = 'slack'")).rows[0]!.n === 0, 120_000, 'the Slack outbox to be empty');
    // One card per group: a card the dead replica may have posted is not posted again by the one that took over.
    const posts = fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id && headerOf(c.args.blocks as unknown[] | undefined).includes('FaultStorm'));
    const perGroup = Array.from({ length: STORM.groups }, (_, g) => posts.filter((c) => headerOf(c.args.blocks as unknown[] | undefined).includes(stormName(g))).length);
    const twice = perGroup.filter((n) => n > 1).length;
    expect(twice).toBeLessThanOrEqual(1);
    figures.push({ scenario: 'the storm, after all of the above', deliveries: '—', executions: `${STORM.groups} groups, ${STORM.groups - twice} with exactly one card${twice ? `, ${twice} posted twice (the dead replica's send in flight)` : ''}`, fault: 'all of the above', delay: `the last group's own card posted ${seconds(lastCardAt - stormStartedAt)} after the first alert was sent (50 cards a minute per channel, the default); the outbox empty` });
  }, 300_000);
});

/** Alertmanager's own counters of webhook notifications and HTTP requests, summed over the pair. */
async function amCounters(ams: readonly RunningAlertmanager[]): Promise<{ requests: number; failedRequests: number }> {
  let requests = 0;
  let failedRequests = 0;
  for (const am of ams) {
    const text = await (await fetch(`${am.url}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{integration="webhook"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
    requests += value('alertmanager_notification_requests_total');
    failedRequests += value('alertmanager_notification_requests_failed_total');
  }
  return { requests, failedRequests };
}
