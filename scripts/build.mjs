// `npm run build`: compiles src/ to dist/ with tsc and copies what tsc does not emit (the .sql
// migrations, the PGlite worker) beside the code that reads them through import.meta.url, so
// dist/ runs on its own with no TypeScript tooling. dist/ is emptied first: a file removed from
// src/ must not live on in the build.
//
// Two options for callers that need a build before running it (npm test, npm run test:faults):
//   --no-check  emit without type-checking (tsc --noCheck; the same files, since every module is
//               isolated): for a caller that has just run `tsc --noEmit` over src/ and test/.
//   --if-stale  do nothing when dist/ is current by bin/firebreak.js's own rule (stamped, and no
//               file under src/ modified since the build started), so CI does not build twice.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');
const startedAt = Date.now();
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (a !== '--no-check' && a !== '--if-stale') {
    console.error(`npm run build: unknown option ${a} (known: --no-check, --if-stale)`);
    process.exit(2);
  }
}

/** bin/firebreak.js runs dist/ when this holds: a stamped build, and no source file edited after it started. */
function distIsCurrent() {
  let builtAt;
  try {
    builtAt = JSON.parse(readFileSync(join(dist, 'build-info.json'), 'utf8')).builtAt;
  } catch {
    return false;
  }
  if (!existsSync(join(dist, 'cli.js'))) return false;
  return !readdirSync(src, { recursive: true, withFileTypes: true }).some((e) => e.isFile() && statSync(join(e.parentPath, e.name)).mtimeMs > builtAt);
}
if (args.has('--if-stale') && distIsCurrent()) {
  console.log('dist/ is current (no source file changed since it was built): not rebuilt');
  process.exit(0);
}

rmSync(dist, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), ...(args.has('--no-check') ? ['--noCheck'] : [])], { stdio: 'inherit' });
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
// The checkout's cache (.cache/pglite-template/, which the tests' in-memory stores load too) is
// where it is built; one already there holding every migration, for this PGlite and these
// settings, is copied instead of built again (a build on a fresh clone makes the tests' as well).
const templateStarted = Date.now();
const { buildPgliteTemplate, pgliteTemplate, CACHED_TEMPLATE_DIR, SHIPPED_TEMPLATE_DIR } = await import(join(dist, 'store/pglite-template.js'));
const { pgliteStartSettings } = await import(join(dist, 'store/pglite-db.js'));
const { loadMigrations } = await import(join(dist, 'store/migrate.js'));
const migrationCount = loadMigrations().length;
const cached = await pgliteTemplate(pgliteStartSettings());
const complete = (tarball) => {
  try {
    return JSON.parse(readFileSync(tarball.replace(/\.tgz$/, '.json'), 'utf8')).migrations.length === migrationCount;
  } catch {
    return false;
  }
};
let source = cached && complete(cached) ? cached : null;
if (cached && !source) {
  // The cache's holds fewer migrations than we have: build the whole one there (the tests then load it too).
  source = await buildPgliteTemplate(CACHED_TEMPLATE_DIR, pgliteStartSettings()).catch(() => null);
}
let template;
if (source) {
  mkdirSync(SHIPPED_TEMPLATE_DIR, { recursive: true });
  template = join(SHIPPED_TEMPLATE_DIR, basename(source));
  copyFileSync(source, template);
  copyFileSync(source.replace(/\.tgz$/, '.json'), template.replace(/\.tgz$/, '.json')); // the manifest last
} else {
  template = await buildPgliteTemplate(SHIPPED_TEMPLATE_DIR, pgliteStartSettings()); // the cache is not writable: fails loudly
}
console.log(`${relative(root, template)}: the embedded store's migrated template (${((Date.now() - templateStarted) / 1000).toFixed(1)} s)`);

// bin/firebreak.js compares this with the sources' modification times: a build older than an edit
// is not run while the sources and tsx are there to run instead.
writeFileSync(join(dist, 'build-info.json'), `${JSON.stringify({ builtAt: startedAt }, null, 2)}\n`);
const files = (dir) => readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).length;
console.log(`dist/: ${files(dist)} modules compiled, ${copied} assets copied (${relative(root, dist)}/build-info.json stamped)`);
