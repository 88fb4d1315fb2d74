/**
 * Ack benchmark (not a test): the same signed `/health` slash commands, at the same rate, sent side
 * by side to a bare Bolt 5 app that acknowledges and answers through respond() (a POST to the
 * response_url) and to `firebreak start` (which acknowledges, then runs /health, records it and
 * posts the card), both answering to one fake Slack. Reports the ack latency (request sent → HTTP
 * answer received) of each, their ratio, Firebreak's peak RSS, and for each app when its last
 * answer reached the fake Slack, after its last ack. Once on embedded PGlite, once on PostgreSQL.
 *
 * Every process is its own: this one only sends and times requests; the bare app, Firebreak and the
 * fake Slack Web API each run in a child process. Deliveries are distinct (own trigger_id and
 * channel), so none is dropped as a retry and Slack's per-channel rate limit is never hit.
 *
 * Env: BENCH_ACK_RATE (requests per second to each app, default 1000), BENCH_ACK_SECONDS (default
 * 10), BENCH_ACK_STORES (pglite,postgres), BENCH_DATABASE_URL (admin URL for a scratch database),
 * BENCH_FIREBREAK_NODE_ARGS (extra node flags for Firebreak, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"),
 * BENCH_ACK_MAX_WAITING (Firebreak's chat.max_waiting; unset: the default, 200).
 */
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { signSlack, slashCommandBody } from '../test/fakes/slack-signing.js';
import { cpuMs, freePort, mb, procStatus, ROOT, spawnNode, waitForOk, type Child } from './support/processes.js';

const RATE = Number(process.env.BENCH_ACK_RATE ?? 1000);
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const WARMUP_SECONDS = 2;
const STORES = (process.env.BENCH_ACK_STORES ?? 'pglite,postgres').split(',').map((s) => s.trim()).filter(Boolean);
const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SECRET = 'bench-signing-secret-0123456789abcdef';
const MAX_WAITING = process.env.BENCH_ACK_MAX_WAITING;
const BOT_TOKEN = 'xoxb-bench-token';

interface Target {
  name: string;
  port: number;
}

interface Sample {
  ms: number;
  status: number;
  /** Date.now() when the answer arrived (one clock with the fake Slack's process). */
  at: number;
  /** Refused by admission control ("Firebreak is busy: …" in the ack): nothing of it runs, no card follows. */
  busy: boolean;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(samples: Sample[]) {
  const ok = samples.filter((s) => s.status === 200).map((s) => s.ms).sort((a, b) => a - b);
  // Status 0 is a request that got no HTTP answer at all (reset, refused).
  const failures = [...new Set(samples.filter((s) => s.status !== 200).map((s) => s.status))].join('/');
  return { n: samples.length, failed: samples.length - ok.length, failures, busy: samples.filter((s) => s.busy).length, p50: percentile(ok, 50), p90: percentile(ok, 90), p99: percentile(ok, 99), max: ok.at(-1) ?? NaN };
}

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function post(port: number, body: string, headers: Record<string, string>): Promise<Sample> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'POST', path: '/slack/events', agent, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ ms: performance.now() - started, status: res.statusCode ?? 0, at: Date.now(), busy: body.includes('Firebreak is busy') }));
      },
    );
    req.on('error', () => resolve({ ms: performance.now() - started, status: 0, at: Date.now(), busy: false }));
    req.end(body);
  });
}

/** Sends `count` distinct slash commands at RATE per second to every target, request i to all of them at once. */
async function drive(targets: Target[], run: string, count: number, fakeUrl: string): Promise<Map<string, Sample[]>> {
  const now = Math.floor(Date.now() / 1000);
  const deliveries = Array.from({ length: count }, (_, i) => {
    const body = slashCommandBody({
      command: '/health',
      user_id: `UBENCH${i % 10}`,
      user_name: `bench${i % 10}`,
      channel_id: `CB${run}${i}`,
      channel_name: 'incidents',
      trigger_id: `${run}.${i}.trigger`,
      response_url: `${fakeUrl}/response/CB${run}${i}`, // the channel's id: the fake counts answers per delivery
    });
    return { body, headers: signSlack(SECRET, body, now) };
  });
  const out = new Map(targets.map((t) => [t.name, [] as Sample[]]));
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * RATE));
      for (; sent < due; sent++) {
        const d = deliveries[sent]!;
        // Alternate who goes first, so neither app always gets the head start.
        const order = sent % 2 === 0 ? targets : [...targets].reverse();
        for (const t of order) pending.push(post(t.port, d.body, d.headers).then((s) => void out.get(t.name)!.push(s)));
      }
      if (sent >= count) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await Promise.all(pending);
  return out;
}

async function scratchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fb_ackbench_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: ADMIN });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

interface Tally {
  posted: number;
  /** Date.now() of the last answer the fake Slack accepted (0: none yet). */
  lastAt: number;
}

async function postedSoFar(fake: Child): Promise<{ bolt: Tally; firebreak: Tally }> {
  return new Promise((resolve) => {
    fake.proc.once('message', (m) => resolve(m as { bolt: Tally; firebreak: Tally }));
    fake.proc.send('posted');
  });
}

/** Seconds from the last ack to the last answer posted, when every answer was posted. */
function lastAnswerAfterAck(t: Tally, want: number, samples: Sample[]): number | null {
  if (t.posted < want) return null;
  return (t.lastAt - Math.max(...samples.map((s) => s.at))) / 1000;
}

export interface AckResult {
  store: string;
  bolt: ReturnType<typeof summarize>;
  firebreak: ReturnType<typeof summarize>;
  firebreakPeakRss: number;
  firebreakRssAfter: number;
  boltPeakRss: number;
  /** CPU ms per delivery over the measured run (until every card was posted, for Firebreak). */
  cpuPerDelivery: { bolt: { process: number; mainThread: number }; firebreak: { process: number; mainThread: number } };
  /** Seconds from the first measured request until the fake Slack had every card (null: not within 2 min). */
  allPostedS: { bolt: number | null; firebreak: number | null };
  /** Seconds from each app's last ack to its last answer posted (null: not all posted). */
  lastAfterAckS: { bolt: number | null; firebreak: number | null };
  posted: { bolt: number; firebreak: number };
  /** Deliveries that should get an answer: acknowledged (200) and not refused as busy, warm-up included. */
  want: { bolt: number; firebreak: number };
}

async function benchStore(store: string): Promise<AckResult> {
  const dataDir = await mkdtemp(join(tmpdir(), 'fb-ackbench-'));
  const db = store === 'postgres' ? await scratchDatabase() : null;
  const children: Child[] = [];
  try {
    const { child: fake, first } = await spawnNode<{ apiUrl: string }>(['--import', 'tsx', 'bench/support/fake-slack.ts'], { BENCH_BOT_TOKEN: BOT_TOKEN }, { ipc: true, waitForJson: true });
    children.push(fake);
    const apiUrl = first!.apiUrl;
    const fakeUrl = apiUrl.replace(/\/api\/$/, '');

    const { child: bolt, first: boltReady } = await spawnNode<{ port: number }>(['--import', 'tsx', 'bench/support/bare-bolt.ts'], { SLACK_SIGNING_SECRET: SECRET, PORT: '0' }, { waitForJson: true });
    children.push(bolt);

    const port = await freePort();
    const errors: string[] = [];
    // No config file: the built-in default, whose /health checks Firebreak's own store. With
    // BENCH_ACK_MAX_WAITING, a file that says the same and sets chat.max_waiting.
    let config = '';
    if (MAX_WAITING) {
      config = join(dataDir, 'firebreak.yml');
      await writeFile(config, `chat:\n  max_waiting: ${Number(MAX_WAITING)}\ndatastores:\n  firebreak-store: { type: postgres }\n`);
    }
    const env = {
      PORT: String(port),
      FIREBREAK_DATA_DIR: join(dataDir, 'data'),
      FIREBREAK_CONFIG: config,
      DATABASE_URL: db?.url ?? '',
      REDIS_URL: '',
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: apiUrl,
      SLACK_APP_TOKEN: '',
      DISCORD_BOT_TOKEN: '',
    };
    // The store exists before the run, as it does for a bot that has been running: the peak RSS is
    // then the load's, not the one-off cost of creating a data directory (the memory benchmark's).
    const { child: migrating } = await spawnNode([join(ROOT, 'bin/firebreak.js'), 'migrate'], { ...env, LOG_LEVEL: 'warn' }, { cwd: dataDir });
    const migrated = await new Promise<number | null>((resolve) => migrating.proc.once('exit', (code) => resolve(code)));
    if (migrated !== 0) throw new Error(`firebreak migrate exited with ${migrated}`);
    const { child: firebreak } = await spawnNode(
      [...(process.env.BENCH_FIREBREAK_NODE_ARGS?.split(' ').filter(Boolean) ?? []), join(ROOT, 'bin/firebreak.js'), 'start'],
      env,
      {
        cwd: dataDir,
        onLine: (line) => {
          if (/"level":(50|60)/.test(line) && errors.length < 5) errors.push(line);
        },
      },
    );
    children.push(firebreak);
    await waitForOk(`http://127.0.0.1:${port}/readyz`);

    const targets: Target[] = [
      { name: 'bolt', port: boltReady!.port },
      { name: 'firebreak', port },
    ];
    const run = randomBytes(3).toString('hex');
    process.stdout.write(`  ${store}: warming up (${WARMUP_SECONDS} s)…`);
    const warmup = await drive(targets, `${run}w`, RATE * WARMUP_SECONDS, fakeUrl);
    process.stdout.write(` measuring ${RATE}/s for ${SECONDS} s…`);
    const started = Date.now();
    const cpuBefore = { bolt: cpuMs(bolt.pid), firebreak: cpuMs(firebreak.pid) };
    const samples = await drive(targets, run, RATE * SECONDS, fakeUrl);
    const boltCpu = cpuMs(bolt.pid);
    // Every answer, the warm-up's included: one per delivery that was not refused as busy.
    const answerable = (app: string) => [...warmup.get(app)!, ...samples.get(app)!].filter((s) => s.status === 200 && !s.busy).length;
    const want = { bolt: answerable('bolt'), firebreak: answerable('firebreak') };
    let posted = await postedSoFar(fake);
    const deadline = Date.now() + 120_000;
    while ((posted.bolt.posted < want.bolt || posted.firebreak.posted < want.firebreak) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      posted = await postedSoFar(fake);
    }
    const allPosted = (t: Tally, n: number) => (t.posted >= n ? (t.lastAt - started) / 1000 : null);
    const firebreakCpu = cpuMs(firebreak.pid);
    const n = RATE * SECONDS;
    const per = (after: { process: number; mainThread: number }, before: { process: number; mainThread: number }) => ({
      process: (after.process - before.process) / n,
      mainThread: (after.mainThread - before.mainThread) / n,
    });
    process.stdout.write(' done\n');
    for (const e of errors) console.log(`  firebreak logged: ${e.slice(0, 300)}`);
    return {
      store,
      bolt: summarize(samples.get('bolt')!),
      firebreak: summarize(samples.get('firebreak')!),
      firebreakPeakRss: firebreak.peakRss(),
      firebreakRssAfter: procStatus(firebreak.pid, 'VmRSS'),
      boltPeakRss: bolt.peakRss(),
      cpuPerDelivery: { bolt: per(boltCpu, cpuBefore.bolt), firebreak: per(firebreakCpu, cpuBefore.firebreak) },
      allPostedS: { bolt: allPosted(posted.bolt, want.bolt), firebreak: allPosted(posted.firebreak, want.firebreak) },
      lastAfterAckS: { bolt: lastAnswerAfterAck(posted.bolt, want.bolt, samples.get('bolt')!), firebreak: lastAnswerAfterAck(posted.firebreak, want.firebreak, samples.get('firebreak')!) },
      posted: { bolt: posted.bolt.posted, firebreak: posted.firebreak.posted },
      want,
    };
  } finally {
    for (const c of children.reverse()) await c.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function printAckResults(results: AckResult[]): void {
  const f = (n: number) => (Number.isFinite(n) ? `${n.toFixed(1)} ms` : '–');
  console.log(`\nAck latency, ${RATE} distinct signed /health per second to each app for ${SECONDS} s (after ${WARMUP_SECONDS} s warm-up):`);
  console.log('  store      app        p50       p90       p99       max        failed   busy  peak RSS  CPU/delivery: main thread, process');
  for (const r of results) {
    const rows = [
      ['bare Bolt', r.bolt, r.boltPeakRss, r.cpuPerDelivery.bolt],
      ['Firebreak', r.firebreak, r.firebreakPeakRss, r.cpuPerDelivery.firebreak],
    ] as const;
    for (const [name, s, rss, cpu] of rows) {
      console.log(
        `  ${r.store.padEnd(10)} ${name.padEnd(10)} ${f(s.p50).padStart(9)} ${f(s.p90).padStart(9)} ${f(s.p99).padStart(9)} ${f(s.max).padStart(10)} ${`${s.failed}${s.failed > 0 ? ` (${s.failures})` : ''}`.padStart(7)} ${String(s.busy).padStart(6)}  ${mb(rss).padStart(8)}  ${cpu.mainThread.toFixed(2)} ms, ${cpu.process.toFixed(2)} ms`,
      );
    }
    const last = (app: 'bolt' | 'firebreak') =>
      `${r.posted[app]}/${r.want[app]} answers` +
      (r.allPostedS[app] !== null && r.lastAfterAckS[app] !== null
        ? `, the last ${r.allPostedS[app]!.toFixed(1)} s after the first measured request, ${r.lastAfterAckS[app]!.toFixed(1)} s after the last ack`
        : ' (not all within 2 min)');
    console.log(`  ${r.store.padEnd(10)} ratio p99 ×${(r.firebreak.p99 / r.bolt.p99).toFixed(2)}, p50 ×${(r.firebreak.p50 / r.bolt.p50).toFixed(2)}; Firebreak RSS afterwards ${mb(r.firebreakRssAfter)}`);
    console.log(`  ${r.store.padEnd(10)} bare Bolt: ${last('bolt')}`);
    console.log(`  ${r.store.padEnd(10)} Firebreak: ${last('firebreak')}`);
  }
}

export async function runAckBench(): Promise<AckResult[]> {
  console.log(`\nAck benchmark: bare Bolt 5 vs firebreak start, stores ${STORES.join(', ')} (${ROOT})`);
  const results: AckResult[] = [];
  for (const store of STORES) results.push(await benchStore(store));
  printAckResults(results);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runAckBench().then(
    () => agent.destroy(),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
