/**
 * `npm run bench`: every benchmark, each in a process of its own (they measure their own RSS).
 * BENCH_ONLY=ack,memory (any of backup, ack, memory) runs some of them; each file's header lists its
 * own settings (BENCH_SIZES for the backup benchmark, BENCH_ACK_RATE for the ack benchmark …).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './support/processes.js';

const ALL = ['memory', 'ack', 'backup'] as const;
const only = process.env.BENCH_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const unknown = only?.filter((name) => !(ALL as readonly string[]).includes(name)) ?? [];
if (unknown.length > 0) {
  console.error(`BENCH_ONLY: unknown benchmark ${unknown.join(', ')}; the benchmarks are ${ALL.join(', ')}`);
  process.exit(2);
}

let failed = 0;
for (const name of ALL) {
  if (only && !only.includes(name)) continue;
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${name}.bench.ts`)], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\nThe ${name} benchmark failed (exit ${r.status ?? r.signal}).`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
