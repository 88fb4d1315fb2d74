import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killPidInFile } from '../support/pid-file.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');

/**
 * Issue 23, item 6: with the server holding the embedded store, `firebreak run` is forwarded to it.
 * A slow action's progress must show while it runs, as in-process, not only with the result.
 */
describe('a forwarded firebreak run streams its progress (child processes, embedded store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-forward-progress-'));
  const marker = join(dir, 'tool-started');
  const env = { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' };
  let server: ResultPromise;
  let serverStderr = '';

  beforeAll(async () => {
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
console:
  allow_as: true
roles:
  responders: ["console:oncall"]
actions:
  slow-drain:
    description: Drain a queue slowly
    params:
      seconds: { type: int, min: 1, max: 600 }
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(marker)}, "{seconds}"]
    timeout_s: 600
`,
    );
    server = execa('node', [BIN, 'start'], { cwd: dir, env: { ...env, PORT: '0' }, extendEnv: false, reject: false });
    server.stderr?.on('data', (d: Buffer) => (serverStderr += d.toString()));
    await waitFor(() => serverStderr.includes('Firebreak is running'), 90_000, 'firebreak start to come up');
  }, 120_000);

  afterAll(async () => {
    server.kill('SIGKILL');
    await server.catch(() => {});
    killPidInFile(marker);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints the progress line while the tool runs, before the result, and then the result with exit 0', async () => {
    const child = execa('node', [BIN, 'run', '/run slow-drain seconds=20', '--as', 'oncall', '--yes'], { cwd: dir, env, extendEnv: false, reject: false, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    let exited = false;
    void child.finally(() => (exited = true));

    await waitFor(() => stderr.includes('… Running: Run slow-drain with seconds=20?') || exited, 90_000, 'the progress line or the end of the command');
    // The line came while the tool was still sleeping: nothing else printed, the command not over.
    expect(stderr).toContain('… Running: Run slow-drain with seconds=20?');
    expect(exited).toBe(false);
    expect(stdout).toBe('');
    // It was forwarded: the server, not this process, opened the store.
    expect(stderr).not.toContain('Created a new, empty embedded store');

    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(String(r.stdout)).toMatch(/slow-drain: done \(exit 0/);
    expect(String(r.stdout)).toContain('slept 20 s');
  }, 150_000);
});
