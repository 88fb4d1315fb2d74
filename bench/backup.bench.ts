/**
 * Backup benchmark (not a test): builds a ~1 GB database, backs it up through the same streaming
 * runner /backup now uses (pg_dump → gzip → sha256 → destination), and reports duration and peak
 * RSS of this process and of pg_dump. Run with `npm run bench`.
 *
 * Env: BENCH_DATABASE_URL (admin URL, default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_SIZES (comma-separated MB, default "256,1024": a smaller run beside the big one shows that
 * memory stays flat as the database grows; BENCH_SIZE_MB=N is the one-size form),
 * BENCH_DEST (dir | s3 | both, default both), BENCH_KEEP=1 keeps the databases.
 *
 * The S3 destination is s3rver running inside this same node process, so the "node" RSS of the S3
 * rows includes the fake server receiving and storing the parts; the directory rows are Firebreak alone.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { BackupDestinationConfig, BackupTargetConfig } from '../src/config/schema.js';
import { StreamingBackupRunner } from '../src/integrations/backup/backup-runner.js';
import { startFakeS3 } from '../test/fakes/s3-server.js';

const ADMIN = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES_MB = (process.env.BENCH_SIZES ?? process.env.BENCH_SIZE_MB ?? '256,1024')
  .split(',')
  .map((v) => Number(v.trim()))
  .filter((n) => Number.isFinite(n) && n > 0);
const DEST = process.env.BENCH_DEST ?? 'both';
const MB = 1024 * 1024;

function mb(n: number): string {
  return `${(n / MB).toFixed(0)} MB`;
}

/** RSS of every descendant process (pg_dump), from /proc; 0 where /proc is not available. */
function childrenRss(pid = process.pid): number {
  let total = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
      for (const c of children) {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${c}/status`, 'utf8'));
        if (m) total += Number(m[1]) * 1024;
        total += childrenRss(Number(c));
      }
    }
  } catch {
    // a child exited between listing and reading
  }
  return total;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>, url = ADMIN): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function buildDatabase(url: string, sizeMb: number): Promise<number> {
  return admin(async (c) => {
    await c.query('CREATE TABLE events (id bigint PRIMARY KEY, at timestamptz, kind text, payload text, score double precision)');
    const batch = 500_000;
    let next = 1;
    let size = 0;
    const started = performance.now();
    while (size < sizeMb * MB) {
      // Random text: md5 of random values, so gzip has realistic (not trivial) work to do.
      await c.query(
        `INSERT INTO events SELECT g, now() - g * interval '1 second', 'kind-' || (g % 17),
           md5(random()::text) || ' ' || md5(random()::text) || ' ' || md5(random()::text) || ' ' || md5(g::text) || ' ' || repeat('x', (g % 40)::integer),
           random() FROM generate_series($1::bigint, $2::bigint) g`,
        [next, next + batch - 1],
      );
      next += batch;
      size = Number((await c.query<{ s: string }>('SELECT pg_database_size(current_database()) AS s')).rows[0]!.s);
      process.stdout.write(`\r  generating: ${mb(size)} / ${sizeMb} MB, ${next - 1} rows, ${((performance.now() - started) / 1000).toFixed(0)} s`);
    }
    process.stdout.write('\n');
    return size;
  }, url);
}

async function measure(label: string, run: () => Promise<{ ok: boolean; sizeBytes: number; durationMs: number; problem?: string; sha256: string }>) {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peakSelf = baseline;
  let peakChild = 0;
  const sampler = setInterval(() => {
    peakSelf = Math.max(peakSelf, process.memoryUsage().rss);
    peakChild = Math.max(peakChild, childrenRss());
  }, 100);
  const r = await run();
  clearInterval(sampler);
  if (!r.ok) throw new Error(`${label}: backup failed: ${r.problem}`);
  return { label, ...r, baseline, peakSelf, peakChild };
}

interface SizeResult {
  sizeMb: number;
  dbSize: number;
  results: Awaited<ReturnType<typeof measure>>[];
}

async function benchSize(sizeMb: number, s3: Awaited<ReturnType<typeof startFakeS3>> | null, dir: string): Promise<SizeResult> {
  const name = `fb_bench_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  const url = u.toString();
  try {
    console.log(`\nBackup benchmark: database ${name}, target ${sizeMb} MB`);
    const dbSize = await buildDatabase(url, sizeMb);
    const runner = new StreamingBackupRunner();
    const target: BackupTargetConfig = { type: 'postgres', url, format: 'custom', timeout_s: 3600 };
    const dests: [string, BackupDestinationConfig][] = [];
    if (DEST !== 's3') dests.push(['directory', { dir }]);
    if (s3) dests.push(['s3 (s3rver, in this process)', { s3: { bucket: 'bench', prefix: '', endpoint: s3.endpoint, region: 'us-east-1', force_path_style: true, access_key_id: 'S3RVER', secret_access_key: 'S3RVER', part_size_mb: 8 } }]);
    const results = [];
    for (const [label, destination] of dests) {
      const location = runner.locationFor(destination, 'bench', target, `bk-${sizeMb}-${label.slice(0, 2)}`, new Date());
      results.push(await measure(label, () => runner.backup({ target, destination, location, compressionLevel: 6 })));
      // Keep the disk free for the next run: the object is not needed once measured.
      await runner.remove(destination, location).catch(() => {});
    }
    return { sizeMb, dbSize, results };
  } finally {
    if (!process.env.BENCH_KEEP) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'fb-bench-'));
  const s3 = DEST === 'dir' ? null : await startFakeS3(['bench']);
  const all: SizeResult[] = [];
  try {
    for (const sizeMb of SIZES_MB) all.push(await benchSize(sizeMb, s3, dir));
  } finally {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
  }
  console.log('\nResults (pg_dump --format=custom → gzip -6 → sha256 → destination):');
  for (const { dbSize, results } of all) {
    console.log(`\nDatabase size (pg_database_size): ${mb(dbSize)}`);
    for (const r of results) {
      console.log(
        `  ${r.label}: ${mb(r.sizeBytes)} gzipped in ${(r.durationMs / 1000).toFixed(1)} s ` +
          `(${(dbSize / MB / (r.durationMs / 1000)).toFixed(0)} MB/s of database); ` +
          `peak RSS node ${mb(r.peakSelf)} (baseline ${mb(r.baseline)}, +${mb(r.peakSelf - r.baseline)}), peak RSS pg_dump ${mb(r.peakChild)}; sha256 ${r.sha256.slice(0, 16)}…`,
      );
    }
  }
  if (s3) console.log('\nNote: node RSS for the s3 rows includes s3rver, the fake S3 server, which runs in this same process.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
