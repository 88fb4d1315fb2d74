import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';

const BIN = resolve('bin/firebreak.js');
const RECORD_ENV = resolve('test/fakes/record-env.mjs');
const NEW_KEY = 'sk-cliKey4Rt6Yu8Io2Pa';
const NEEDLE = 'cliKey4Rt6Yu8Io2Pa';

/** `firebreak run --secret NAME=ENV_VAR`: the console's private prompt for a secret param, as a child process. */
describe('firebreak run with a secret param (child process, embedded store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-secret-cli-'));
  const envFile = join(dir, 'env.json');

  // A child left by a timed-out test would still hold the data dir's lock when the next test's child starts.
  const children = reapChildren();
  const firebreak = (args: string[], env: Record<string, string> = {}) =>
    children.track(
      execa('node', [BIN, ...args], {
        cwd: dir,
        reject: false,
        timeout: 90_000,
        // No terminal: nothing is asked at a prompt.
        stdin: 'ignore',
        env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'debug', PATH: process.env.PATH ?? '', ...env },
        extendEnv: false,
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  beforeAll(() => {
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
console:
  allow_as: true
roles:
  responders: ["console:oncall"]
actions:
  rotate-key:
    params:
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}" }
    env: { OPENAI_API_KEY: "{new_key}" }
    argv: [node, ${JSON.stringify(RECORD_ENV)}, ${JSON.stringify(envFile)}]
procedures:
  rotate:
    description: Rotate the key
    params:
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}" }
    steps:
      - run: /run rotate-key
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('--secret reads the value from the environment variable; the tool gets it in env; neither stdout nor stderr (debug log) shows it', { timeout: 4 * 90_000 + 10_000 }, async () => {
    const missing = await firebreak(['run', '/run rotate-key', '--as', 'oncall', '--yes']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('needs the secret new_key, which was not given');
    expect(existsSync(envFile)).toBe(false);

    const unset = await firebreak(['run', '/run rotate-key', '--as', 'oncall', '--yes', '--secret', 'new_key=NOT_SET_ANYWHERE']);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('the environment variable NOT_SET_ANYWHERE is not set');

    const r = await firebreak(['run', '/run rotate-key', '--as', 'oncall', '--yes', '--secret', 'new_key=NEW_OPENAI_KEY'], { NEW_OPENAI_KEY: NEW_KEY });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rotate-key: done/);
    expect((JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>).OPENAI_API_KEY).toBe(NEW_KEY);
    expect(r.stdout + r.stderr).not.toContain(NEEDLE);
  });

  it('a procedure with a secret param takes it the same way and passes it to its /run step through env', { timeout: 180_000 }, async () => {
    rmSync(envFile, { force: true });
    const r = await firebreak(['run', '/procedure rotate', '--as', 'oncall', '--yes', '--secret', 'new_key=NEW_OPENAI_KEY'], { NEW_OPENAI_KEY: NEW_KEY });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>).OPENAI_API_KEY).toBe(NEW_KEY);
    expect(r.stdout + r.stderr).not.toContain(NEEDLE);
  });
});
