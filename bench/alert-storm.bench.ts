/**
 * Alert storm benchmark (not a test): 10,000 alerts in 350 groups, as 500 Alertmanager webhooks of
 * 20 alerts, into one Firebreak (`firebreak start` in this process: HTTP server, Slack over HTTP,
 * the outbox worker) whose Slack is the fake Slack enforcing one message per second per channel
 * with 429 + Retry-After. Then, when prometheus-alertmanager is installed, the same alerts through
 * Alertmanager's own Slack receiver (slack_configs → the fake's incoming webhook), side by side.
 * Run with `npm run bench` (BENCH_ONLY=alert-storm for this one alone).
 *
 * Reported per side: ingestion rate (Firebreak: alerts in 2xx-answered webhooks per second),
 * time to the first alert message (a card or the storm digest naming a group; a person's /health
 * answer is not one), time until every group is visible (its own card, or named on a
 * message such as the storm digest), messages posted / updated, 429s, and for Firebreak the
 * alerts and groups stored (0 lost), and CPU per 1,000 alerts while ingesting: the whole process, and
 * (Linux) its main thread and the embedded store's thread apart. For Firebreak also: a person types `/health` in the same
 * channel every COMMAND_EVERY_MS while the storm is on, and the time from sending the slash command
 * to its answer being shown (in the channel, or through its response_url) is reported as p50 / p99.
 *
 * Env: BENCH_STORE (both | embedded | postgres, default both: Firebreak on the embedded PGlite, then
 * on PostgreSQL, side by side in one run; BENCH_DATABASE_URL is PostgreSQL's admin URL),
 * BENCH_OBSERVE_S (how long each side is watched after its first request, default 90),
 * BENCH_CONCURRENCY (webhooks in flight, default 16), BENCH_AM_GROUP_WAIT / BENCH_AM_GROUP_INTERVAL
 * (Alertmanager's route timings, default 1s / 1m: it retries a 429'd notification only at the next
 * group_interval), BENCH_SKIP_ALERTMANAGER=1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { startFirebreak } from '../src/main.js';
import { configFrom, testRuntime } from '../test/support/app.js';
import { startSlackFake, type SlackFake } from '../test/fakes/slack-api.js';
import { signSlack, slashCommandBody } from '../test/fakes/slack-signing.js';
import { alertmanagerBinary, startAlertmanager, type PushedAlert } from '../test/support/alertmanager.js';

const ALERTS = 10_000;
const GROUPS = 350;
const PER_WEBHOOK = 20;
const WEBHOOKS = ALERTS / PER_WEBHOOK;
const ALERTNAMES = ['ProviderDown', 'HighLatency', 'HighErrorRate', 'PostgresConnectionsHigh', 'RedisMemoryHigh', 'PodCrashLooping', 'QueueBacklog', 'DiskFilling', 'CertExpiring', 'LangfuseIngestionLag', 'TokenBudgetExceeded', 'CircuitOpen', 'ReplicaLag', 'HighMemoryUsage'];
const SEVERITIES = ['critical', 'warning', 'warning', 'info'];
const TOKEN = 'bench-alerts-token-0123456789abcdef';
const BOT_TOKEN = 'xoxb-bench-bot-token-1234567890';
const SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';
const CHANNEL = { id: 'CINCIDENTS', name: 'incidents' };

type Store = 'embedded' | 'postgres';
const STORES: Store[] = (() => {
  const v = process.env.BENCH_STORE ?? 'both';
  if (v === 'both') return ['embedded', 'postgres'];
  if (v === 'embedded' || v === 'postgres') return [v];
  throw new Error(`BENCH_STORE=${v}: say both, embedded or postgres`);
})();
const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const OBSERVE_MS = Number(process.env.BENCH_OBSERVE_S ?? 90) * 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
/** A person's commands during the storm: the first this long after the first webhook, then one every COMMAND_EVERY_MS. */
const COMMAND_START_MS = 5_000;
const COMMAND_EVERY_MS = 1_500;
const COMMANDS = 30;
/** How long an unanswered command is waited for after the last one was typed. */
const COMMAND_WAIT_MS = 180_000;

interface Group {
  alertname: string;
  service: string;
  severity: string;
}

/** 350 distinct groups: 14 alert names × 25 services (two-digit, so no name is part of another). */
const groups: Group[] = Array.from({ length: GROUPS }, (_, i) => ({
  alertname: ALERTNAMES[i % ALERTNAMES.length]!,
  service: `svc-${String(Math.floor(i / ALERTNAMES.length)).padStart(2, '0')}`,
  severity: SEVERITIES[i % SEVERITIES.length]!,
}));
/** Webhook w is for group w % 350: the first 150 groups get two notifications, the rest one. */
const groupOf = (w: number) => w % GROUPS;

function alertsOf(w: number, startsAt: Date): PushedAlert[] {
  const g = groups[groupOf(w)]!;
  return Array.from({ length: PER_WEBHOOK }, (_, i) => ({
    labels: { alertname: g.alertname, service: g.service, severity: g.severity, instance: `${g.service}-${w}-${i}:9100` },
    annotations: { summary: `${g.alertname} on ${g.service}`, description: `instance ${g.service}-${w}-${i} is affected` },
    startsAt,
    generatorURL: 'http://prometheus.example:9090/graph?g0.expr=up',
  }));
}

/** The webhook body Alertmanager 0.25 sends (test/fixtures/alerts/alertmanager-0.25-firing.json). */
function webhookBody(w: number, startsAt: Date): string {
  const g = groups[groupOf(w)]!;
  const alerts = alertsOf(w, startsAt).map((a, i) => ({
    status: 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: startsAt.toISOString(),
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: a.generatorURL,
    fingerprint: `${w.toString(16).padStart(8, '0')}${i.toString(16).padStart(8, '0')}`,
  }));
  return JSON.stringify({
    receiver: 'firebreak',
    status: 'firing',
    alerts,
    groupLabels: { alertname: g.alertname, service: g.service },
    commonLabels: { alertname: g.alertname, service: g.service, severity: g.severity },
    commonAnnotations: { summary: `${g.alertname} on ${g.service}` },
    externalURL: 'http://alertmanager.example:9093',
    version: '4',
    groupKey: `{}:{alertname="${g.alertname}", service="${g.service}"}`,
    truncatedAlerts: 0,
  });
}

/**
 * CPU time of each thread of this process so far (ms, by thread id), from /proc: Linux only (else
 * empty). The embedded store's thread is the busiest one besides the main thread while ingesting.
 */
function threadCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) * 10); // utime + stime, in clock ticks of 10 ms
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** Per 1,000 alerts: the main thread's CPU and the busiest other thread's (the embedded store's), between two threadCpuMs(). */
function threadShares(before: Map<number, number>, after: Map<number, number>): { main: number | null; busiestOther: number | null } {
  if (after.size === 0) return { main: null, busiestOther: null };
  const per1000 = (ms: number) => ms / (ALERTS / 1000);
  const delta = (tid: number) => (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
  const others = [...after.keys()].filter((t) => t !== process.pid).map(delta);
  return { main: per1000(delta(process.pid)), busiestOther: others.length > 0 ? per1000(Math.max(...others)) : null };
}

interface SideResult {
  side: string;
  ingestSeconds: number | null;
  ingestRate: number | null;
  /** CPU time of this process (every thread: HTTP, the app, the embedded store's thread, the bench's own senders) while ingesting, per 1,000 alerts. */
  cpuMsPer1000: number | null;
  /** Of that, the main thread's (HTTP, the app, the bench's senders) and, embedded, the store's thread's (Linux only). */
  mainThreadMsPer1000: number | null;
  storeThreadMsPer1000: number | null;
  retries: number | null;
  /** When the first webhook was answered 2xx (its alerts stored): the first card cannot come sooner. */
  firstStoredS: number | null;
  firstMessageS: number | null;
  allVisibleS: number | null;
  visibleAtEnd: number;
  ownCardsAtEnd: number;
  posted: number;
  updated: number;
  rateLimited: number;
  alertsStored: number | null;
  groupsStored: number | null;
  observedS: number;
  /** Seconds from each typed command to its answer (null: none within COMMAND_WAIT_MS); Firebreak only. */
  commandAnswers: (number | null)[] | null;
}

/** Each message's text, kept while the message is unchanged (the fake replaces a message it updates): the watch stays cheap beside the app it measures. */
const textOf = new WeakMap<object, string>();

/** Everything the channel shows, as text: a group is visible when its name is on some message. */
function channelText(fake: SlackFake): string[] {
  const out: string[] = [];
  for (const m of fake.messages.values()) {
    if (m.channel !== CHANNEL.id) continue;
    let t = textOf.get(m);
    if (t === undefined) textOf.set(m, (t = JSON.stringify([m.text ?? '', m.blocks ?? [], m.attachments ?? []])));
    out.push(t);
  }
  return out;
}

/**
 * Watches the channel until every group is named on a message (and, for Firebreak, has its own
 * card) or the observation time is over. `name` is how the side writes a group's name. The first
 * alert message is the first post that names a group (a card, or a digest page listing it).
 */
async function observe(fake: SlackFake, t0: number, name: (g: Group) => string | string[], ownCard: (text: string, g: Group) => boolean, done: () => boolean) {
  const seen = new Set<number>();
  const allNames = groups.flatMap((g) => {
    const n = name(g);
    return Array.isArray(n) ? n : [n];
  });
  let allVisibleAt: number | null = null;
  let firstAt: number | null = null;
  let scanned = 0;
  let own = 0;
  for (;;) {
    for (; firstAt === null && scanned < fake.calls.length; scanned++) {
      const c = fake.calls[scanned]!;
      if ((c.method === 'chat.postMessage' || c.method === 'incoming-webhook') && c.status === 200 && !c.error) {
        const text = JSON.stringify(c.args);
        if (allNames.some((x) => text.includes(x))) firstAt = c.at;
      }
    }
    const texts = channelText(fake);
    own = 0;
    for (let i = 0; i < GROUPS; i++) {
      const n = name(groups[i]!);
      const names = Array.isArray(n) ? n : [n];
      const on = texts.filter((t) => names.some((x) => t.includes(x)));
      if (on.length > 0) seen.add(i);
      if (on.some((t) => ownCard(t, groups[i]!))) own++;
    }
    if (allVisibleAt === null && seen.size === GROUPS) allVisibleAt = Date.now();
    const elapsed = Date.now() - t0;
    if ((own === GROUPS && done()) || elapsed > OBSERVE_MS) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { firstAt, allVisibleAt, visible: seen.size, own };
}

function count(fake: SlackFake) {
  const ok = (m: string) => fake.callsOf(m, true).length;
  return {
    posted: ok('chat.postMessage') + fake.calls.filter((c) => c.method === 'incoming-webhook' && c.status === 200).length,
    updated: ok('chat.update'),
    rateLimited: fake.calls.filter((c) => c.status === 429).length,
  };
}

/**
 * The first time the answer to the command typed by `userId` was shown: a message in the channel
 * (posted, or a "Running…" message edited into the result) naming who ran it, or a post to its
 * response_url. "Running…" itself is not the answer.
 */
function answeredAt(fake: SlackFake, userId: string, responseId: string): number | null {
  const isAnswer = (body: unknown) => {
    const text = JSON.stringify(body);
    return text.includes(`<@${userId}>`) && !text.includes('Running /health');
  };
  const times = [
    ...fake.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.status === 200 && !c.error && c.args.channel === CHANNEL.id && isAnswer(c.args)).map((c) => c.at),
    ...fake.responsePosts.filter((p) => p.id === responseId && !JSON.stringify(p.body).includes('Running /health')).map((p) => p.at),
  ];
  return times.length > 0 ? Math.min(...times) : null;
}

/** A person in #incidents: types /health every COMMAND_EVERY_MS (signed as Slack signs it) and waits for each answer. */
async function typeCommands(fake: SlackFake, eventsUrl: string, t0: number): Promise<(number | null)[]> {
  const sent: { userId: string; responseId: string; at: number }[] = [];
  for (let i = 0; i < COMMANDS; i++) {
    const due = t0 + COMMAND_START_MS + i * COMMAND_EVERY_MS;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    const userId = `UPERSON${i}`;
    const responseId = `bench-command-${i}`;
    const body = slashCommandBody({ command: '/health', user_id: userId, user_name: `person${i}`, channel_id: CHANNEL.id, channel_name: CHANNEL.name, trigger_id: `bench.${i}.${randomBytes(4).toString('hex')}`, response_url: fake.responseUrl(responseId) });
    const at = Date.now();
    const res = await fetch(eventsUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SIGNING_SECRET, body) }, body });
    await res.text();
    if (res.status !== 200) throw new Error(`the slash command answered ${res.status}`);
    sent.push({ userId, responseId, at });
  }
  const deadline = Date.now() + COMMAND_WAIT_MS;
  while (Date.now() < deadline && sent.some((s) => answeredAt(fake, s.userId, s.responseId) === null)) await new Promise((r) => setTimeout(r, 200));
  return sent.map((s) => {
    const at = answeredAt(fake, s.userId, s.responseId);
    return at === null ? null : (at - s.at) / 1000;
  });
}

/** The q-quantile (nearest rank) of the answered ones; an unanswered command counts as the slowest. */
function quantile(values: (number | null)[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.map((v) => v ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return Number.isFinite(v) ? v : null;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function firebreakSide(store: Store): Promise<SideResult> {
  const fake = await startSlackFake({ botToken: BOT_TOKEN, channels: [CHANNEL] });
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-storm-'));
  let dbName: string | null = null;
  let databaseUrl: string | undefined;
  if (store === 'postgres') {
    dbName = `fb_storm_${randomBytes(4).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${dbName}`));
    const u = new URL(ADMIN);
    u.pathname = `/${dbName}`;
    databaseUrl = u.toString();
  }
  const runtime = testRuntime({ port: 0, dataDir, databaseUrl, logLevel: process.env.BENCH_LOG ?? 'silent', slack: { botToken: BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl } });
  const running = await startFirebreak(runtime, configFrom(`chat:\n  incidents_channel: ${CHANNEL.name}\nalerts:\n  token: ${TOKEN}\n`), { host: '127.0.0.1' });
  const url = `http://127.0.0.1:${running.http.port}/webhooks/alertmanager`;
  try {
    const startsAt = new Date();
    const bodies = Array.from({ length: WEBHOOKS }, (_, w) => webhookBody(w, startsAt));
    let next = 0;
    let retries = 0;
    let firstStoredAt: number | null = null;
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpuMs();
    const ingestCpu: { usage?: NodeJS.CpuUsage; threads?: ReturnType<typeof threadShares> } = {};
    // Like Alertmanager: a webhook that is not answered 2xx is sent again.
    const worker = async () => {
      for (;;) {
        const w = next++;
        if (w >= WEBHOOKS) return;
        for (let attempt = 0; ; attempt++) {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: bodies[w] }).catch(() => null);
          await res?.text();
          if (res && res.status >= 200 && res.status < 300) {
            firstStoredAt ??= Date.now();
            break;
          }
          if (res && res.status >= 400 && res.status < 500) throw new Error(`webhook ${w} answered ${res.status}`);
          retries++;
          await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
        }
      }
    };
    const ingesting = Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const commands = typeCommands(fake, `http://127.0.0.1:${running.http.port}/slack/events`, t0);
    commands.catch(() => {});
    let ingestedAt: number | null = null;
    void ingesting.then(() => {
      ingestedAt = Date.now();
      ingestCpu.usage = process.cpuUsage(cpu0);
      ingestCpu.threads = threadShares(threads0, threadCpuMs());
    });
    const seen = await observe(
      fake,
      t0,
      // Its own card says "Firing: A (s)"; a storm digest row on Slack reads "*A* · s · …".
      (g) => [`${g.alertname} (${g.service})`, `*${g.alertname}* · ${g.service} ·`],
      (text, g) => text.includes(`Firing: ${g.alertname} (${g.service})`),
      () => ingestedAt !== null,
    );
    await ingesting;
    const observedS = (Date.now() - t0) / 1000;
    const commandAnswers = await commands;
    const [alerts] = await running.app.db.query<{ n: string | number }>('SELECT count(*) AS n FROM alerts');
    const [grp] = await running.app.db.query<{ n: string | number }>('SELECT count(*) AS n FROM alert_groups');
    const ingestSeconds = ((ingestedAt ?? Date.now()) - t0) / 1000;
    return {
      side: `Firebreak (${store === 'postgres' ? 'PostgreSQL' : 'embedded PGlite'})`,
      ingestSeconds,
      ingestRate: ALERTS / ingestSeconds,
      cpuMsPer1000: ingestCpu.usage ? (ingestCpu.usage.user + ingestCpu.usage.system) / 1000 / (ALERTS / 1000) : null,
      mainThreadMsPer1000: ingestCpu.threads?.main ?? null,
      storeThreadMsPer1000: store === 'embedded' ? (ingestCpu.threads?.busiestOther ?? null) : null,
      retries,
      firstStoredS: firstStoredAt === null ? null : (firstStoredAt - t0) / 1000,
      firstMessageS: seen.firstAt === null ? null : (seen.firstAt - t0) / 1000,
      allVisibleS: seen.allVisibleAt === null ? null : (seen.allVisibleAt - t0) / 1000,
      visibleAtEnd: seen.visible,
      ownCardsAtEnd: seen.own,
      ...count(fake),
      alertsStored: Number(alerts?.n ?? 0),
      groupsStored: Number(grp?.n ?? 0),
      observedS,
      commandAnswers,
    };
  } finally {
    await running.close();
    await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (dbName) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`));
  }
}

async function alertmanagerSide(): Promise<SideResult> {
  const fake = await startSlackFake({ botToken: BOT_TOKEN, channels: [CHANNEL] });
  const am = await startAlertmanager({
    slack: { apiUrl: fake.incomingWebhookUrl(CHANNEL.id), channel: `#${CHANNEL.name}` },
    groupWait: process.env.BENCH_AM_GROUP_WAIT ?? '1s',
    groupInterval: process.env.BENCH_AM_GROUP_INTERVAL ?? '1m',
    repeatInterval: '4h',
  });
  try {
    const startsAt = new Date();
    const t0 = Date.now();
    // The same 500 batches of 20, pushed as Prometheus would (POST /api/v2/alerts).
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (;;) {
          const w = next++;
          if (w >= WEBHOOKS) return;
          await am.push(alertsOf(w, startsAt));
        }
      }),
    );
    const pushSeconds = (Date.now() - t0) / 1000;
    // Its default Slack title: "[FIRING:n] <group label values>".
    const seen = await observe(fake, t0, (g) => `${g.alertname} ${g.service}`, () => true, () => true);
    return {
      side: 'Alertmanager 0.25 slack_configs',
      ingestSeconds: pushSeconds,
      ingestRate: ALERTS / pushSeconds,
      cpuMsPer1000: null,
      mainThreadMsPer1000: null,
      storeThreadMsPer1000: null,
      retries: null,
      firstStoredS: null,
      firstMessageS: seen.firstAt === null ? null : (seen.firstAt - t0) / 1000,
      allVisibleS: seen.allVisibleAt === null ? null : (seen.allVisibleAt - t0) / 1000,
      visibleAtEnd: seen.visible,
      ownCardsAtEnd: seen.own,
      ...count(fake),
      alertsStored: null,
      groupsStored: null,
      observedS: (Date.now() - t0) / 1000,
      commandAnswers: null,
    };
  } finally {
    await am.stop();
    await fake.close();
  }
}

const fmt = (v: number | null, digits = 1, unit = '') => (v === null ? '—' : `${v.toFixed(digits)}${unit}`);

function report(results: SideResult[]): void {
  const rows: [string, (r: SideResult) => string][] = [
    ['ingestion (webhooks answered 2xx / alerts pushed)', (r) => `${fmt(r.ingestSeconds, 2, ' s')} · ${fmt(r.ingestRate, 0, ' alerts/s')}`],
    ['CPU while ingesting, per 1,000 alerts (all threads)', (r) => fmt(r.cpuMsPer1000, 0, ' ms')],
    ['  of it the main thread / the embedded store thread', (r) => `${fmt(r.mainThreadMsPer1000, 0, ' ms')} / ${fmt(r.storeThreadMsPer1000, 0, ' ms')}`],
    ['webhook retries (non-2xx)', (r) => (r.retries === null ? '—' : String(r.retries))],
    ['first webhook answered 2xx (stored)', (r) => fmt(r.firstStoredS, 2, ' s')],
    ['first alert message (card or digest) in #incidents', (r) => fmt(r.firstMessageS, 2, ' s')],
    [`every group visible (own card or named on a message)`, (r) => (r.allVisibleS === null ? `not within ${r.observedS.toFixed(0)} s` : fmt(r.allVisibleS, 1, ' s'))],
    [`groups visible at the end`, (r) => `${r.visibleAtEnd} / ${GROUPS}`],
    [`groups with their own message at the end`, (r) => `${r.ownCardsAtEnd} / ${GROUPS}`],
    ['messages posted / updated', (r) => `${r.posted} / ${r.updated}`],
    ['429s from Slack', (r) => String(r.rateLimited)],
    ['alerts / groups stored', (r) => (r.alertsStored === null ? '—' : `${r.alertsStored} / ${r.groupsStored} (lost: ${ALERTS - r.alertsStored})`)],
    [
      `a person's /health answered during the storm (p50 / p99 / max of ${COMMANDS})`,
      (r) => {
        if (!r.commandAnswers) return '—';
        const missing = r.commandAnswers.filter((v) => v === null).length;
        const max = quantile(r.commandAnswers, 1);
        return `${fmt(quantile(r.commandAnswers, 0.5), 2, ' s')} / ${fmt(quantile(r.commandAnswers, 0.99), 2, ' s')} / ${max === null ? `${missing} unanswered` : fmt(max, 2, ' s')}`;
      },
    ],
    ['observed for', (r) => `${r.observedS.toFixed(0)} s`],
  ];
  const width = Math.max(...rows.map(([l]) => l.length));
  console.log(`\nAlert storm: ${ALERTS} alerts in ${GROUPS} groups (${WEBHOOKS} webhooks of ${PER_WEBHOOK}), one channel, fake Slack at 1 message/s/channel`);
  console.log(`${''.padEnd(width)}  ${results.map((r) => r.side.padEnd(36)).join('')}`);
  for (const [label, cell] of rows) console.log(`${label.padEnd(width)}  ${results.map((r) => cell(r).padEnd(36)).join('')}`);
  console.log('\nTargets (issues 10 and 22, on both stores): every group visible within 60 s, 0 alerts lost, 0 429s, first card ≤ 2 s, ingestion ≥ 2,000 alerts/s.');
}

async function main(): Promise<void> {
  const results: SideResult[] = [];
  for (const store of STORES) results.push(await firebreakSide(store));
  if (process.env.BENCH_SKIP_ALERTMANAGER !== '1') {
    if (alertmanagerBinary()) results.push(await alertmanagerSide());
    else console.log('\n(prometheus-alertmanager is not installed: the Alertmanager side is skipped; apt-get install -y prometheus-alertmanager)');
  }
  report(results);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
