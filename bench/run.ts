/**
 * `npm run bench`: every bench/*.bench.ts, one after another, each in its own process (so one
 * benchmark's memory and handles do not colour the next). BENCH_ONLY=alert-storm,backup runs those.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = (process.env.BENCH_ONLY ?? '')
  .split(',')
  .map((s) => s.trim().replace(/\.bench\.ts$/, ''))
  .filter(Boolean);
const all = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .sort();
const chosen = all.filter((f) => only.length === 0 || only.includes(f.replace(/\.bench\.ts$/, '')));
if (chosen.length === 0) {
  console.error(`BENCH_ONLY=${process.env.BENCH_ONLY} names no benchmark; there are: ${all.map((f) => f.replace(/\.bench\.ts$/, '')).join(', ')}`);
  process.exit(2);
}
let failed = 0;
for (const file of chosen) {
  console.log(`\n### ${file}`);
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, file)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
