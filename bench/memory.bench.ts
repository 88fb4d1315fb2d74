/**
 * Memory benchmark (not a test): the peak RSS of `firebreak run "/health"` on the embedded store,
 * first on a fresh data directory (PGlite creates the database: initdb) and then on the existing
 * one, as a new user's first two commands would be. Each run is its own process; the peak is the
 * kernel's high-water mark (VmHWM), so it counts every thread, the store's included.
 * `firebreak start` under load is measured by the ack benchmark.
 *
 * A fresh data directory is unpacked from the migrated template (src/store/pglite-template.ts): the
 * one `npm run build` ships, or the one a source run caches in .cache/. That one is made before the
 * runs (a child process, once per checkout), so the figures are a new user's with an installed build.
 *
 * Env: BENCH_MEMORY_RUNS (how many times each, default 3; the table shows the highest).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteStartSettings } from '../src/store/pglite-db.js';
import { pgliteTemplate } from '../src/store/pglite-template.js';
import { mb, ROOT, spawnNode } from './support/processes.js';

const RUNS = Number(process.env.BENCH_MEMORY_RUNS ?? 3);

async function runHealth(cwd: string, dataDir: string): Promise<{ peak: number; seconds: number; exitCode: number | null }> {
  const started = performance.now();
  const { child } = await spawnNode([join(ROOT, 'bin/firebreak.js'), 'run', '/health'], { FIREBREAK_DATA_DIR: dataDir, FIREBREAK_CONFIG: '', DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'warn' }, { cwd });
  const exitCode = await new Promise<number | null>((resolve) => child.proc.once('exit', (code) => resolve(code)));
  return { peak: child.peakRss(), seconds: (performance.now() - started) / 1000, exitCode };
}

export async function runMemoryBench(): Promise<void> {
  console.log(`\nMemory benchmark: firebreak run "/health" on the embedded store, ${RUNS} runs each`);
  const templateStarted = performance.now();
  const template = await pgliteTemplate(pgliteStartSettings());
  console.log(`  template for a source run: ${template ?? 'none (a new store runs initdb)'} (${((performance.now() - templateStarted) / 1000).toFixed(1)} s to find or build)`);
  const fresh: Awaited<ReturnType<typeof runHealth>>[] = [];
  const existing: Awaited<ReturnType<typeof runHealth>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const dir = await mkdtemp(join(tmpdir(), 'fb-membench-'));
    try {
      const dataDir = join(dir, 'data');
      fresh.push(await runHealth(dir, dataDir));
      existing.push(await runHealth(dir, dataDir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const failed = [...fresh, ...existing].filter((r) => r.exitCode !== 0);
  if (failed.length > 0) throw new Error(`firebreak run "/health" failed ${failed.length} times (exit ${failed.map((r) => r.exitCode).join(', ')})`);
  const row = (label: string, rs: typeof fresh) => {
    const peaks = rs.map((r) => r.peak).sort((a, b) => a - b);
    console.log(`  ${label.padEnd(26)} peak RSS ${mb(peaks.at(-1)!)} (lowest ${mb(peaks[0]!)}), ${Math.max(...rs.map((r) => r.seconds)).toFixed(1)} s at most`);
  };
  console.log('\nResults:');
  row('fresh data directory', fresh);
  row('existing data directory', existing);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMemoryBench().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
