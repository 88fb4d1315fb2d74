import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { validate } from 'dockerfile-utils';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envOf, jsonArgs, readDockerfile, readStages, replayStages, type Replayed, type Stage } from '../support/dockerfile.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

const ROOT = resolve('.');
const text = readDockerfile(join(ROOT, 'Dockerfile'));
const stages = readStages(text);
const final = stages.at(-1)!;
const last = (s: Stage, kw: string) => s.instructions.filter((i) => i.getKeyword() === kw).at(-1);

describe('the Dockerfile, read', () => {
  it('has no problem the Dockerfile linter reports', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds in stages on node:20-slim, and the image is node:20-slim', () => {
    expect(stages.length).toBeGreaterThan(1);
    expect(final.image).toBe('node:20-slim');
    expect(stages.find((s) => s.name === 'build')?.image).toBe('node:20-slim');
  });

  it('runs as a numeric non-root user, under tini, `firebreak start` by default', () => {
    const user = last(final, 'USER')?.getArgumentsContent() ?? 'root';
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(jsonArgs(last(final, 'ENTRYPOINT'))).toEqual(['/usr/bin/tini', '--', 'node', 'bin/firebreak.js']);
    expect(jsonArgs(last(final, 'CMD'))).toEqual(['start']);
  });

  it('checks its health on /healthz and installs kubectl, tini and the PostgreSQL client tools', () => {
    expect(last(final, 'HEALTHCHECK')?.getArgumentsContent()).toMatch(/CMD \[.*\/healthz/);
    const system = stages.flatMap((s) => s.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? ''));
    expect(system.join('\n')).toMatch(/install[^\n]*\btini\b/);
    expect(system.join('\n')).toMatch(/install[^\n]*postgresql-client-\$\{PG_MAJOR\}/);
    expect(system.join('\n')).toMatch(/\/kubectl\b/);
    expect(final.instructions.some((i) => i.getKeyword() === 'COPY' && /\/usr\/local\/bin\/kubectl$/.test(i.getArgumentsContent() ?? ''))).toBe(true);
  });

  it('installs production dependencies only in the image', () => {
    const deps = stages.find((s) => s.name === 'deps')!;
    expect(deps.instructions.map((i) => i.getArgumentsContent())).toContain('npm ci --omit=dev --no-audit --no-fund');
    const copies = final.instructions.filter((i) => i.getKeyword() === 'COPY').map((i) => i.getArgumentsContent() ?? '');
    expect(copies).toContain('/app/node_modules ./node_modules');
    expect(copies.some((c) => c.includes('src'))).toBe(false);
  });
});

// The install as the Dockerfile describes it, then the image's command as its user, on PostgreSQL.
describe('the Dockerfile, replayed: build, production install, start as uid 1000', () => {
  let scratch: string;
  let replayed: Replayed;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: ResultPromise | undefined;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'firebreak-image-'));
    chmodSync(scratch, 0o755);
    replayed = await replayStages(stages, ROOT, scratch);
    db = await createTestDatabase('fb_image');
  }, 900_000);

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) process.kill(server.pid, 'SIGKILL');
    await server?.catch(() => undefined);
    await db?.drop();
    rmSync(scratch, { recursive: true, force: true }); // two node_modules trees: slow on a busy disk
  }, 300_000);

  it('replays only npm steps, and the system steps are what this machine has (kubectl, tini, pg_dump)', () => {
    expect(replayed.npmSteps.map((s) => `${s.stage}: ${s.command}`)).toEqual([
      'build: npm ci --no-audit --no-fund',
      'build: npm run build',
      'deps: npm ci --omit=dev --no-audit --no-fund',
    ]);
    expect(replayed.systemFiles.map((f) => f.dest)).toEqual(['/usr/local/bin/kubectl']);
    for (const tool of ['kubectl', 'tini', 'pg_dump', 'psql']) expect(execFileSync('sh', ['-c', `command -v ${tool}`]).toString()).not.toBe('');
  });

  it('the image holds the compiled build and no TypeScript tooling', () => {
    const app = replayed.workdir;
    expect(existsSync(join(app, 'dist', 'cli.js'))).toBe(true);
    expect(existsSync(join(app, 'dist', 'store', 'migrations', '001_init.sql'))).toBe(true);
    expect(existsSync(join(app, 'src'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'vitest', 'esbuild']) expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
  });

  it('starts as uid 1000 under tini, answers /readyz 200 on PostgreSQL, and drains on SIGTERM (exit 0)', async () => {
    const app = replayed.workdir;
    const root = replayed.roots.get(final.name)!;
    const env = envOf(final);
    // The image's own directories (FIREBREAK_DATA_DIR), under the stage's root, owned by its user.
    const [uid, gid] = (last(final, 'USER')!.getArgumentsContent() ?? '').split(':').map(Number) as [number, number];
    for (const [k, v] of Object.entries(env)) {
      if (!v.startsWith('/')) continue;
      env[k] = join(root, v);
      mkdirSync(env[k], { recursive: true });
      chownSync(env[k], uid, gid);
    }
    const argv = [...jsonArgs(last(final, 'ENTRYPOINT'))!, ...jsonArgs(last(final, 'CMD'))!];
    server = execa('setpriv', [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv], {
      cwd: app,
      extendEnv: false,
      reject: false,
      // In a container tini is PID 1; here it is not, and would warn that it cannot reap zombies unless a subreaper.
      env: { PATH: process.env.PATH ?? '', HOME: env.FIREBREAK_DATA_DIR ?? app, ...env, PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: db.url, TINI_SUBREAPER: '1' },
    });
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const port = await waitFor(() => /Firebreak is running on http:\/\/localhost:(\d+)/.exec(stderr)?.[1], 120_000, `firebreak start in the image to come up (stderr: ${stderr.slice(-500)})`);
    const ready = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      return r.status === 200 ? ((await r.json()) as { status: string }) : null;
    }, 60_000, '/readyz 200');
    expect(ready.status).toBe('ready');
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(stderr).toContain(`store: 127.0.0.1:5432/${db.name}`);

    process.kill(server.pid!, 'SIGTERM'); // to tini, PID 1's stand-in, which forwards it to Node
    const exited = await server;
    expect(exited.exitCode, stderr.slice(-2000)).toBe(0);
  }, 240_000);
});
