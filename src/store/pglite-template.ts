import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { loadMigrations, MIGRATIONS_TABLE_SQL, RECORD_MIGRATION_SQL, type Migration } from './migrate.js';

/**
 * The migrated template a new embedded store starts from. initdb is most of what creating a PGlite
 * database costs (tens of seconds and ~800 MB on a loaded machine, memory PGlite never gives back),
 * so it runs once, in a child process (pglite-template-builder.mjs), and every new store — a fresh
 * data directory, a test's in-memory store — loads the tarball (PGlite's `loadDataDir`) and then
 * applies only the migrations newer than the template's.
 *
 * Where: `npm run build` ships one beside the compiled code (dist/store/pglite-template/, in the
 * image too); otherwise the first new store builds one into the package's git-ignored `.cache/`.
 */
export const SHIPPED_TEMPLATE_DIR = fileURLToPath(new URL('./pglite-template/', import.meta.url));
export const CACHED_TEMPLATE_DIR = fileURLToPath(new URL('../../.cache/pglite-template/', import.meta.url));
const BUILDER = fileURLToPath(new URL('./pglite-template-builder.mjs', import.meta.url));

const manifestSchema = z.object({
  pglite: z.string(),
  settings: z.array(z.string()),
  migrations: z.array(z.object({ version: z.number(), name: z.string(), sha256: z.string() })),
});
type Manifest = z.infer<typeof manifestSchema>;

let pgliteVersionMemo: string | undefined;
/** The data directory's format is PGlite's (its PostgreSQL build): a template from another version is not used. */
function pgliteVersion(): string {
  if (pgliteVersionMemo) return pgliteVersionMemo;
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = z.object({ name: z.string().optional(), version: z.string() }).safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (pkg.success && pkg.data.name === '@electric-sql/pglite') return (pgliteVersionMemo = pkg.data.version);
  }
  throw new Error('cannot find the version of @electric-sql/pglite (its package.json)');
}

function manifestFor(settings: readonly string[], migrations: readonly Migration[]): Manifest {
  return {
    pglite: pgliteVersion(),
    settings: [...settings],
    migrations: migrations.map((m) => ({ version: m.version, name: m.name, sha256: createHash('sha256').update(m.sql).digest('hex') })),
  };
}

/**
 * Usable when it is this PGlite with these settings and each migration it holds is, byte for byte,
 * one we have (a migration edited since would leave the store different from a migrated one).
 * Newer migrations are fine: migrate() applies them after the load.
 */
function usable(t: Manifest, want: Manifest): boolean {
  if (t.pglite !== want.pglite || JSON.stringify(t.settings) !== JSON.stringify(want.settings)) return false;
  const ours = new Map(want.migrations.map((m) => [m.version, m.sha256]));
  return t.migrations.every((m) => ours.get(m.version) === m.sha256);
}

/** The best template in `dir` for `want` (the one holding the most migrations), or null. */
function findIn(dir: string, want: Manifest): string | null {
  let best: { file: string; count: number } | null = null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const tarball = join(dir, name.replace(/\.json$/, '.tgz'));
    let parsed;
    try {
      parsed = manifestSchema.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
    } catch {
      continue; // half-written or foreign: not ours to use
    }
    if (!parsed.success || !existsSync(tarball) || !usable(parsed.data, want)) continue;
    if (!best || parsed.data.migrations.length > best.count) best = { file: tarball, count: parsed.data.migrations.length };
  }
  return best?.file ?? null;
}

/** Builds a template for `settings` and `migrations` into `dir` (a child process), and returns its tarball. */
export async function buildPgliteTemplate(dir: string, settings: readonly string[], migrations: readonly Migration[] = loadMigrations()): Promise<string> {
  const manifest = manifestFor(settings, migrations);
  const key = createHash('sha256').update(JSON.stringify(manifest)).digest('hex').slice(0, 16);
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${key}.tgz`);
  const job = { settings, bootstrapSql: MIGRATIONS_TABLE_SQL, recordSql: RECORD_MIGRATION_SQL, migrations, out };
  const child = spawn(process.execPath, [BUILDER], { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  child.stdin.end(JSON.stringify(job));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c) => resolve(c));
  });
  if (code !== 0) {
    const why = stderr.trim().split('\n').filter((l) => /error|failed/i.test(l)).at(-1) ?? stderr.trim().split('\n').at(-1) ?? '';
    throw new Error(`building the embedded store's template failed (exit ${code}): ${why}`);
  }
  // The manifest last, renamed into place: a tarball without one is never picked up.
  const tmp = join(dir, `${key}.json.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(dir, `${key}.json`));
  return out;
}

/**
 * The tarball a new store should load: the shipped or cached template when one fits, else one built
 * now into the cache. Null when none can be had (a read-only install with no shipped template):
 * the caller then creates the database itself, as before there were templates.
 */
export async function pgliteTemplate(settings: readonly string[], migrations: readonly Migration[] = loadMigrations()): Promise<string | null> {
  const want = manifestFor(settings, migrations);
  const found = findIn(SHIPPED_TEMPLATE_DIR, want) ?? findIn(CACHED_TEMPLATE_DIR, want);
  if (found) return found;
  try {
    return await buildPgliteTemplate(CACHED_TEMPLATE_DIR, settings, migrations);
  } catch {
    // Not writable, or the build failed: creating the database in process still works, and a
    // broken migration fails there with its own message.
    return null;
  }
}
