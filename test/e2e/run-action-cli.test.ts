import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { reapChildren } from '../support/children.js';

const BIN = resolve('bin/firebreak.js');
const RECORDER = resolve('test/fakes/record-argv.mjs');
const TOKEN = 'hook-token-5c1d9e2f7a';
/**
 * One `firebreak run` opens the embedded store and exits: a few seconds when the machine is quiet,
 * 30+ s beside other busy processes (the first, on a fresh data dir). A child is given this long, and
 * a test the sum over its children.
 */
const CHILD_MS = 120_000;
const forChildren = (n: number) => n * CHILD_MS + 10_000;

/** `firebreak run` as a child process: a custom action end to end, with its exit codes. */
describe('firebreak run "/run …" (child process, embedded store)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-run-cli-'));
  let recorder: HttpRecorder;
  // A child left by a timed-out test would hold the data dir's lock and fail the next test's runs.
  const children = reapChildren();

  const firebreak = (args: string[]) =>
    children
      .track(
        execa('node', [BIN, ...args], {
          cwd: dir,
          reject: false,
          timeout: CHILD_MS,
          env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', HOOK_TOKEN: TOKEN, PATH: process.env.PATH ?? '' },
          extendEnv: false,
        }),
      )
      .then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  beforeAll(async () => {
    recorder = await startHttpRecorder();
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
# The tests name console users with --as.
console:
  allow_as: true
roles:
  responders: ["console:oncall"]
actions:
  flush-cache:
    description: Flush one cache region
    params:
      region: { type: enum, values: [eu, us] }
      keys: { type: int, min: 1, max: 1000 }
    argv: [node, ${JSON.stringify(RECORDER)}, ${JSON.stringify(join(dir, 'argv.json'))}, --region, "{region}", "--keys={keys}"]
  notify:
    http:
      url: ${recorder.url}/hooks/notify
      headers: { Authorization: "Bearer \${HOOK_TOKEN}" }
      body: { text: "firebreak" }
`,
    );
  });
  afterAll(async () => {
    await recorder.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--yes runs an argv action and exits 0; the tool got exactly the filled argv', async () => {
    const r = await firebreak(['run', '/run flush-cache region=eu keys=250', '--as', 'oncall', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flush-cache: done \(exit 0 in [\d.]+ m?s\)/);
    expect(JSON.parse(readFileSync(join(dir, 'argv.json'), 'utf8'))).toEqual(['--region', 'eu', '--keys=250']);
  }, forChildren(1));

  it('--incident INC-N: the command counts for that incident (its timeline shows it); an unknown one exits 2 and runs nothing', async () => {
    const declared = await firebreak(['run', '/incident declare "cache too hot"', '--as', 'oncall']);
    expect(declared.code).toBe(0);
    const id = /INC-\d+/.exec(declared.stdout)![0];
    const r = await firebreak(['run', '/run flush-cache region=us keys=3', '--as', 'oncall', '--yes', '--incident', id]);
    expect(r.code).toBe(0);
    const timeline = await firebreak(['run', `/incident timeline --incident=${id}`, '--as', 'oncall']);
    expect(timeline.stdout).toContain('flush-cache');
    rmSync(join(dir, 'argv.json'), { force: true });
    const unknown = await firebreak(['run', '/run flush-cache region=us keys=3', '--as', 'oncall', '--yes', '--incident', 'INC-404']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('There is no incident INC-404, so nothing was run.');
    expect(() => readFileSync(join(dir, 'argv.json'))).toThrow();
  }, forChildren(4));

  it('bad input exits 2 and runs nothing', async () => {
    rmSync(join(dir, 'argv.json'), { force: true });
    const r = await firebreak(['run', '/run flush-cache region=eu keys=5000', '--as', 'oncall', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('keys must be a whole number from 1 to 1000; got "5000".');
    const shell = await firebreak(['run', '/run flush-cache "region=eu; rm -rf /" keys=1', '--as', 'oncall', '--yes']);
    expect(shell.code).toBe(2);
    expect(() => readFileSync(join(dir, 'argv.json'))).toThrow();
  }, forChildren(2));

  it('an HTTP action that gets an unexpected status exits 1, and the token never shows', async () => {
    recorder.respond(403, JSON.stringify({ error: 'bad token', got: `Bearer ${TOKEN}` }));
    const r = await firebreak(['run', '/run notify', '--as', 'oncall', '--yes']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('The server answered HTTP 403 Forbidden; this action expects 200, 201, 202, 204.');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(recorder.requests.map((q) => [q.method, q.url, q.headers.authorization, q.body])).toEqual([['POST', '/hooks/notify', `Bearer ${TOKEN}`, '{"text":"firebreak"}']]);
  }, forChildren(1));

  it('someone without the role is denied with exit 2', async () => {
    const r = await firebreak(['run', '/run notify', '--as', 'mallory', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('needs the "responders" role');
    expect(recorder.requests).toHaveLength(1);
  }, forChildren(1));
});
