// `npm run build`: compiles src/ to dist/ with tsc and copies what tsc does not emit (the .sql
// migrations, the PGlite worker) beside the code that reads them through import.meta.url, so
// dist/ runs on its own with no TypeScript tooling. dist/ is emptied first: a file removed from
// src/ must not live on in the build.
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const startedAt = Date.now();

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  rmSync(dist, { recursive: true, force: true });
  console.error('npm run build: tsc failed (above); dist/ was removed, so bin/firebreak.js runs the sources.');
  process.exit(r.status ?? 1);
}

let copied = 0;
cpSync(src, dist, {
  recursive: true,
  filter: (from) => {
    if (statSync(from).isDirectory()) return true;
    const keep = !from.endsWith('.ts') && !from.endsWith('.tsx');
    if (keep) copied++;
    return keep;
  },
});

// The embedded store's migrated template (src/store/pglite-template.ts), beside the compiled code
// and so in the image: a new data directory then loads it instead of running PGlite's initdb.
const templateStarted = Date.now();
const { buildPgliteTemplate, SHIPPED_TEMPLATE_DIR } = await import(join(dist, 'store/pglite-template.js'));
const { pgliteStartSettings } = await import(join(dist, 'store/pglite-db.js'));
const template = await buildPgliteTemplate(SHIPPED_TEMPLATE_DIR, pgliteStartSettings());
console.log(`${relative(root, template)}: the embedded store's migrated template (${((Date.now() - templateStarted) / 1000).toFixed(1)} s)`);

// bin/firebreak.js compares this with the sources' modification times: a build older than an edit
// is not run while the sources and tsx are there to run instead.
writeFileSync(join(dist, 'build-info.json'), `${JSON.stringify({ builtAt: startedAt }, null, 2)}\n`);
const files = (dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).length;
console.log(`dist/: ${files(dist)} modules compiled, ${copied} assets copied (${relative(root, dist)}/build-info.json stamped)`);
