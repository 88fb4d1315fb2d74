import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * The real Alertmanager (Debian's prometheus-alertmanager, 0.25 on bookworm) for tests: one
 * instance or an HA pair on free 127.0.0.1 ports, each with its own temp config and storage, its
 * webhook receiver pointed where the test says. `.ci/run` installs the package; tests that need it
 * fail on a machine without it (starting it throws, naming the package; bash .ci/run installs it):
 * a test that skipped itself there would pass without testing anything.
 */

/** The installed binary (Debian names it prometheus-alertmanager), or null. */
export function alertmanagerBinary(): string | null {
  for (const name of [process.env.ALERTMANAGER_BIN, 'prometheus-alertmanager', 'alertmanager']) {
    if (!name) continue;
    const found = spawnSync('sh', ['-c', `command -v "$1"`, 'sh', name], { encoding: 'utf8' });
    if (found.status === 0 && found.stdout.trim()) return found.stdout.trim();
  }
  return null;
}

export interface AlertmanagerReceiver {
  /** Where the webhook receiver posts (Firebreak's POST /webhooks/alertmanager, or a recorder). */
  webhookUrl?: string;
  /** Sent as `Authorization: Bearer <token>` (http_config.authorization). */
  token?: string;
  /** Alertmanager's own Slack receiver (incoming webhook), for comparison in the benchmark. */
  slack?: { apiUrl: string; channel: string };
}

export interface AlertmanagerOptions extends AlertmanagerReceiver {
  /** Route timings; short by default so a test sees its notifications within seconds. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
  groupBy?: string[];
  /** Shown to receivers as externalURL; default http://127.0.0.1:<port>. */
  externalUrl?: string;
  /** webhook_configs.max_alerts (0: all). */
  maxAlerts?: number;
}

export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: Date;
  /** In the past: resolved. */
  endsAt?: Date;
  generatorURL?: string;
}

export interface RunningAlertmanager {
  /** http://127.0.0.1:PORT (the API and UI). */
  url: string;
  /** The address other instances use as --cluster.peer; null for a single instance. */
  clusterAddress: string | null;
  /** POST /api/v2/alerts. */
  push(alerts: PushedAlert[]): Promise<void>;
  /** Pushes the same alerts again with endsAt = now, which resolves them. */
  resolve(alerts: PushedAlert[]): Promise<void>;
  /** GET /api/v2/silences. */
  silences(): Promise<AlertmanagerSilence[]>;
  /** Alertmanager's own log, for a failing test's message. */
  log(): string;
  stop(): Promise<void>;
}

export interface AlertmanagerSilence {
  id: string;
  status: { state: string };
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
}

/** A port that was free a moment ago (the OS picks it; Alertmanager needs a number up front). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function alertmanagerConfig(opts: AlertmanagerOptions): string {
  const receiver: Record<string, unknown> = { name: 'firebreak' };
  if (opts.webhookUrl) {
    receiver.webhook_configs = [
      {
        url: opts.webhookUrl,
        send_resolved: true,
        ...(opts.maxAlerts ? { max_alerts: opts.maxAlerts } : {}),
        ...(opts.token ? { http_config: { authorization: { type: 'Bearer', credentials: opts.token } } } : {}),
      },
    ];
  }
  if (opts.slack) {
    receiver.slack_configs = [{ api_url: opts.slack.apiUrl, channel: opts.slack.channel, send_resolved: true }];
  }
  return stringify({
    route: {
      receiver: 'firebreak',
      group_by: opts.groupBy ?? ['alertname', 'service'],
      group_wait: opts.groupWait ?? '1s',
      group_interval: opts.groupInterval ?? '1s',
      repeat_interval: opts.repeatInterval ?? '1h',
    },
    receivers: [receiver],
  });
}

interface ClusterFlags {
  listen: string;
  peers: string[];
  /** Between the pair's notifications: 0 makes both send (a split, what Firebreak must dedupe). */
  peerTimeout: string;
}

async function launch(opts: AlertmanagerOptions, cluster: ClusterFlags | null): Promise<RunningAlertmanager> {
  const bin = alertmanagerBinary();
  if (!bin) throw new Error('prometheus-alertmanager is not installed (apt-get install -y prometheus-alertmanager; .ci/run does it)');
  const dir = mkdtempSync(join(tmpdir(), 'fb-am-'));
  const configFile = join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig(opts));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    `--web.external-url=${opts.externalUrl ?? url}`,
    '--log.level=debug',
  ];
  if (cluster) {
    args.push(
      `--cluster.listen-address=${cluster.listen}`,
      `--cluster.advertise-address=${cluster.listen}`,
      ...cluster.peers.map((p) => `--cluster.peer=${p}`),
      `--cluster.peer-timeout=${cluster.peerTimeout}`,
      // Settling waits 10 gossip intervals per check: 20 ms keeps a pair's first notification under a second or two.
      '--cluster.gossip-interval=20ms',
      '--cluster.pushpull-interval=1s',
      '--cluster.settle-timeout=5s',
    );
  } else {
    args.push('--cluster.listen-address=');
  }
  let output = '';
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (b: Buffer) => {
    output = (output + b.toString('utf8')).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: number | null | undefined;
  const exit = new Promise<void>((resolve) => child.once('exit', (code) => ((exited = code), resolve())));

  const stop = async () => {
    if (exited === undefined) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exit;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (exited !== undefined) {
      await stop();
      throw new Error(`Alertmanager exited with ${exited} before it was ready:\n${output.slice(-3000)}`);
    }
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`Alertmanager was not ready on ${url} within 20 s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const post = async (alerts: PushedAlert[], endsAt?: Date) => {
    const body = alerts.map((a) => ({
      labels: a.labels,
      annotations: a.annotations ?? {},
      ...(a.startsAt ? { startsAt: a.startsAt.toISOString() } : {}),
      ...((endsAt ?? a.endsAt) ? { endsAt: (endsAt ?? a.endsAt)!.toISOString() } : {}),
      ...(a.generatorURL ? { generatorURL: a.generatorURL } : {}),
    }));
    const res = await fetch(`${url}/api/v2/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
  };

  return {
    url,
    clusterAddress: cluster?.listen ?? null,
    push: (alerts) => post(alerts),
    resolve: (alerts) => post(alerts, new Date()),
    async silences() {
      const res = await fetch(`${url}/api/v2/silences`);
      if (!res.ok) throw new Error(`GET /api/v2/silences answered ${res.status}`);
      return (await res.json()) as AlertmanagerSilence[];
    },
    log: () => output,
    stop,
  };
}

/** One instance, clustering off (--cluster.listen-address=). */
export function startAlertmanager(opts: AlertmanagerOptions): Promise<RunningAlertmanager> {
  return launch(opts, null);
}

/**
 * Two instances gossiping as an HA pair (each the other's --cluster.peer). `peerTimeout` is the
 * second instance's wait before it notifies; the default "0s" makes both deliver every
 * notification, as a pair does during a network split (alertmanager #1718) — the duplicates
 * Firebreak has to collapse. Alerts should be pushed to both, as Prometheus does.
 */
export async function startAlertmanagerPair(
  opts: AlertmanagerOptions & { peerTimeout?: string; externalUrls?: [string, string] },
): Promise<[RunningAlertmanager, RunningAlertmanager]> {
  const [pa, pb] = [await freePort(), await freePort()];
  const a = `127.0.0.1:${pa}`;
  const b = `127.0.0.1:${pb}`;
  const peerTimeout = opts.peerTimeout ?? '0s';
  const first = await launch({ ...opts, externalUrl: opts.externalUrls?.[0] ?? opts.externalUrl }, { listen: a, peers: [b], peerTimeout });
  let second: RunningAlertmanager | undefined;
  try {
    second = await launch({ ...opts, externalUrl: opts.externalUrls?.[1] ?? opts.externalUrl }, { listen: b, peers: [a], peerTimeout });
    // Until gossip settles, a flush waits and then finds its twin's entry in the notification log;
    // a pair that has settled flushes both at once, as a split pair does.
    await waitUntilClustered([first, second]);
    return [first, second];
  } catch (err) {
    await second?.stop();
    await first.stop();
    throw err;
  }
}

/** Waits until every instance reports the cluster "ready" (settled) with all of them as peers. */
async function waitUntilClustered(ams: RunningAlertmanager[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const states = await Promise.all(
      ams.map(async (am) => {
        const res = await fetch(`${am.url}/api/v2/status`).catch(() => null);
        if (!res?.ok) return false;
        const status = (await res.json()) as { cluster?: { status?: string; peers?: unknown[] } };
        return status.cluster?.status === 'ready' && (status.cluster.peers?.length ?? 0) === ams.length;
      }),
    );
    if (states.every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`the Alertmanager pair did not settle within 20 s:\n${ams.map((am) => am.log().slice(-2000)).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Pushes to every instance, as Prometheus sends each alert to all of its Alertmanagers. */
export async function pushAll(ams: readonly RunningAlertmanager[], alerts: PushedAlert[]): Promise<void> {
  await Promise.all(ams.map((am) => am.push(alerts)));
}

export async function resolveAll(ams: readonly RunningAlertmanager[], alerts: PushedAlert[]): Promise<void> {
  await Promise.all(ams.map((am) => am.resolve(alerts)));
}
