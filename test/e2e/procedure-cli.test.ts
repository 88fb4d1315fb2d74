import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';

const BIN = resolve('bin/firebreak.js');
const FAKE = resolve('test/fakes/append-argv.mjs');

/** `firebreak run "/procedure …"` as a child process on the embedded store: exit codes and buttons by --action. */
describe('firebreak run "/procedure …" (child process)', { timeout: 2 * 90_000 + 10_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-procedure-cli-'));
  const log = join(dir, 'calls.jsonl');
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as string[]).join(' ')) : []);
  // A child left by a timed-out test would still hold the data dir's lock when the next test's child starts.
  const children = reapChildren();
  const firebreak = (args: string[]) =>
    children.track(
      execa(process.execPath, [BIN, ...args], {
        cwd: dir,
        reject: false,
        timeout: 90_000,
        env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', HOME: dir },
        extendEnv: false,
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout) }));

  beforeAll(() => {
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
console:
  allow_as: true
roles:
  responders: ["console:alice", "console:bob"]
services:
  litellm:
    deploy: { kind: commands, scale: ["${process.execPath}", "${FAKE}", "${log}", "scale", "{service}", "{replicas}", "FAIL_IF=${dir}/fail-{replicas}"] }
    replicas: { min: 1, max: 4 }
procedures:
  pause:
    description: Stop litellm, wait for a person, start it
    params:
      replicas: { pattern: "[1-4]" }
    steps:
      - { run: "/scale litellm 0", below_min: true }
      - approve: "Smoke tests green?"
      - run: "/scale litellm {replicas}"
    on_failure:
      - run: "/scale litellm 1"
`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exit 2 for bad input, nothing run', async () => {
    const r = await firebreak(['run', '/procedure pause replicas=9', '--as', 'alice', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('/procedure pause: invalid params');
    expect(calls()).toEqual([]);
  });

  it('--yes runs up to the gate (exit 0), Approve by --action finishes it (exit 0)', async () => {
    const r = await firebreak(['run', '/procedure pause replicas=2', '--as', 'alice', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Procedure pause: step 2 of 3 waits for a person');
    const approve = /procedure:approve:\w+:1/.exec(r.stdout)?.[0];
    expect(approve).toBeDefined();
    const done = await firebreak(['run', '--action', approve!, '--as', 'bob']);
    expect(done.code).toBe(0);
    expect(done.stdout).toContain('Procedure pause: all 3 steps done');
    expect(calls()).toEqual(['scale litellm 0', 'scale litellm 2']);
  });

  it('exit 1 when a step fails, after on_failure ran', async () => {
    writeFileSync(join(dir, 'fail-3'), '');
    const r = await firebreak(['run', '/procedure pause replicas=3', '--as', 'alice', '--yes']);
    const approve = /procedure:approve:\w+:1/.exec(r.stdout)![0];
    const failed = await firebreak(['run', '--action', approve, '--as', 'bob']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Procedure pause: step 3 of 3 failed');
    expect(calls().slice(-2)).toEqual(['scale litellm 0', 'scale litellm 1']);
  });
});
