/**
 * Start-up benchmark (not a test): the compiled build (dist/, `npm run build`) against the sources
 * (tsx), side by side: `firebreak --help`, `firebreak run "/help"`, and `firebreak start` on
 * PostgreSQL from spawn to `/readyz` = 200. Then the sizing figures for the Kubernetes requests and
 * limits: RSS and CPU of one compiled `firebreak start` on PostgreSQL, idle and under a small load
 * (alert webhooks and /readyz polls). Builds dist/ first, so it is current.
 *
 * Env: BENCH_STARTUP_RUNS (each, default 5), BENCH_LOAD_SECONDS (default 30), BENCH_LOAD_RATE
 * (webhooks a second, default 20), TEST_DATABASE_URL (the PostgreSQL to make a scratch database in).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { cpuMs, freePort, mb, procStatus, ROOT, spawnNode } from './support/processes.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 5);
const LOAD_S = Number(process.env.BENCH_LOAD_SECONDS ?? 30);
const LOAD_RATE = Number(process.env.BENCH_LOAD_RATE ?? 20);
const ADMIN = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const BIN = join(ROOT, 'bin/firebreak.js');
const MODES = { sources: { FIREBREAK_SOURCES: '1' }, compiled: { FIREBREAK_SOURCES: '' } } as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timeCli(args: string[], env: Record<string, string>): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env, FIREBREAK_CONFIG: '', LOG_LEVEL: 'warn' }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`firebreak ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return performance.now() - started;
}

async function withDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const name = `fb_bench_startup_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: ADMIN });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  try {
    return await fn(u.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function startServer(env: Record<string, string>, databaseUrl: string) {
  const port = await freePort();
  const started = performance.now();
  const { child } = await spawnNode([BIN, 'start'], { ...env, PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL: '', FIREBREAK_CONFIG: '', FIREBREAK_DATA_DIR: join(ROOT, '.bench', `startup-${port}`), LOG_LEVEL: 'warn' }, { onLine: () => {} });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (child.proc.exitCode !== null) throw new Error(`firebreak start exited ${child.proc.exitCode} before /readyz answered 200`);
    if (performance.now() - started > 120_000) throw new Error('firebreak start: no /readyz 200 within 120 s');
    await sleep(10);
  }
  return { child, port, readyMs: performance.now() - started };
}

function alertmanagerPayload(i: number) {
  const alertname = `BenchLoad${i % 50}`;
  return {
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname },
    commonLabels: { alertname, severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: [
      {
        status: 'firing',
        labels: { alertname, severity: 'warning', instance: `node-${i}` },
        annotations: { summary: `load ${i}` },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.bench:9090/graph',
        fingerprint: `bench${i.toString(16).padStart(12, '0')}`,
      },
    ],
  };
}

export async function runStartupBench(): Promise<void> {
  console.log('\nStart-up benchmark: compiled (dist/) vs sources (tsx)');
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('npm run build failed');
  const rows: Record<string, Record<keyof typeof MODES, number>> = { 'firebreak --help': { sources: 0, compiled: 0 }, 'firebreak run "/help"': { sources: 0, compiled: 0 }, 'start → /readyz 200 (PostgreSQL)': { sources: 0, compiled: 0 } };
  for (const mode of Object.keys(MODES) as (keyof typeof MODES)[]) {
    const env = MODES[mode];
    timeCli(['--help'], env); // warm the file cache
    rows['firebreak --help']![mode] = median(Array.from({ length: RUNS }, () => timeCli(['--help'], env)));
    rows['firebreak run "/help"']![mode] = median(Array.from({ length: RUNS }, () => timeCli(['run', '/help'], env)));
    const ready: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await withDatabase(async (url) => {
        const s = await startServer(env, url);
        ready.push(s.readyMs);
        await s.child.stop();
      });
    }
    rows['start → /readyz 200 (PostgreSQL)']![mode] = median(ready);
  }
  console.log(`\nResults (median of ${RUNS}, ms):`);
  console.log(`  ${'command'.padEnd(34)} ${'sources'.padStart(8)} ${'compiled'.padStart(9)}`);
  for (const [label, r] of Object.entries(rows)) console.log(`  ${label.padEnd(34)} ${r.sources.toFixed(0).padStart(8)} ${r.compiled.toFixed(0).padStart(9)}   ×${(r.sources / r.compiled).toFixed(1)}`);

  console.log(`\nSizing: one compiled firebreak start on PostgreSQL, idle 10 s, then ${LOAD_RATE} alert webhooks/s + 20 /readyz/s for ${LOAD_S} s`);
  await withDatabase(async (url) => {
    const s = await startServer(MODES.compiled, url);
    await sleep(10_000);
    const idleRss = procStatus(s.child.pid, 'VmRSS');
    const before = cpuMs(s.child.pid);
    const t0 = performance.now();
    let sent = 0;
    let failed = 0;
    const deadline = t0 + LOAD_S * 1000;
    const pending: Promise<void>[] = [];
    while (performance.now() < deadline) {
      const i = sent++;
      pending.push(
        fetch(`http://127.0.0.1:${s.port}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alertmanagerPayload(i)) }).then(
          (r) => void (r.status !== 200 && failed++),
          () => void failed++,
        ),
        fetch(`http://127.0.0.1:${s.port}/readyz`).then(() => undefined, () => undefined),
      );
      await sleep(1000 / LOAD_RATE);
    }
    await Promise.all(pending);
    const elapsed = performance.now() - t0;
    const after = cpuMs(s.child.pid);
    const loadRss = procStatus(s.child.pid, 'VmRSS');
    const peak = s.child.peakRss();
    await s.child.stop();
    console.log(`  idle RSS ${mb(idleRss)}; under load RSS ${mb(loadRss)}, peak ${mb(peak)}`);
    console.log(`  CPU under load: ${((after.process - before.process) / elapsed * 1000).toFixed(0)} millicores (main thread ${((after.mainThread - before.mainThread) / elapsed * 1000).toFixed(0)}), ${sent} webhooks, ${failed} not 200`);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runStartupBench().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
