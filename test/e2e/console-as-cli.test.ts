import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const OS_USER = userInfo().username;
const REFUSED = `--as bob is not allowed: the console user is your OS user (${OS_USER}) unless the config sets console.allow_as: true.`;

/** The real CLI in a child process, with the config file given. */
// A child left by a timed-out test would still hold the data dir's lock when the next test's child starts.
const children = reapChildren();
const CHILD_MS = 60_000;

function firebreak(args: string[], dir: string, config: string) {
  return children.track(
    execa('node', [BIN, ...args], {
      cwd: dir,
      reject: false,
      timeout: CHILD_MS,
      env: { FIREBREAK_CONFIG: config, FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' },
      extendEnv: false,
    }),
  ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));
}

// Each child process opens the embedded store (seconds on a busy machine): generous timeouts.
describe('firebreak run --as with a config that does not allow it', { timeout: 2 * CHILD_MS + 10_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-as-'));
  const strict = join(dir, 'strict.yml');
  const demo = join(dir, 'demo.yml');
  let server: ReturnType<typeof execa>;

  beforeAll(() => {
    writeFileSync(strict, `roles:\n  responders: ["console:${OS_USER}"]\n`);
    writeFileSync(demo, `console:\n  allow_as: true\nroles:\n  responders: ["console:${OS_USER}"]\n`);
  });
  afterAll(async () => {
    if (server) {
      server.kill('SIGTERM');
      await server;
    }
  });

  it('--as another name exits 2 with one sentence naming console.allow_as, and runs nothing', async () => {
    const r = await firebreak(['run', '/help', '--as', 'bob'], dir, strict);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(REFUSED);
    expect(r.stdout).toBe('');
  });

  it('the OS user, with or without --as naming it, runs', async () => {
    for (const args of [['run', '/help'], ['run', '/help', '--as', OS_USER]]) {
      const r = await firebreak(args, dir, strict);
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  it('a running server refuses a forwarded --as by its own config, whatever the caller\'s config says', async () => {
    server = execa('node', [BIN, 'start'], {
      cwd: dir,
      env: { FIREBREAK_CONFIG: strict, FIREBREAK_DATA_DIR: join(dir, 'data'), PORT: '0', LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' },
      extendEnv: false,
      reject: false,
    });
    // Collected, not matched per chunk: the line may arrive split in two.
    let stderrText1 = '';
    server.stderr?.on('data', (d: Buffer) => {
      stderrText1 += d.toString();
    });
    await waitFor(() => stderrText1.includes('Firebreak is running'), 60_000, 'firebreak start to come up');
    // This caller's config allows --as; the server holding the store does not.
    const r = await firebreak(['run', '/help', '--as', 'bob'], dir, demo);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain(REFUSED);
    const own = await firebreak(['run', '/help'], dir, demo);
    expect(own.code, own.stdout + own.stderr).toBe(0);
  }, 60_000 + 2 * CHILD_MS + 10_000);
});
