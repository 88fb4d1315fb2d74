import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/pglite-db.js';
import { killPid, readPid } from '../support/pid-file.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');

/**
 * `firebreak start` as a real child process on the embedded store, a custom action whose tool takes
 * its time, started with `firebreak run` (forwarded to the server, which holds the store), and a
 * SIGTERM while the tool runs — what every Kubernetes rolling update does.
 */
describe('graceful shutdown while a step runs (child process, embedded store)', () => {
  const dirs: string[] = [];
  const servers: ResultPromise[] = [];
  /** Tools the steps started: not in the server's process group, so a failed test kills them itself. */
  const tools: number[] = [];

  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.kill('SIGKILL');
      await s.catch(() => {});
    }
    for (const pid of tools.splice(0)) killPid(pid);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  async function setUp(graceS: number) {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-shutdown-'));
    dirs.push(dir);
    const marker = join(dir, 'tool-started');
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
console:
  allow_as: true
roles:
  responders: ["console:oncall"]
shutdown:
  grace_s: ${graceS}
actions:
  slow-drain:
    description: Drain a queue slowly
    params:
      seconds: { type: int, min: 1, max: 600 }
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(marker)}, "{seconds}"]
    timeout_s: 600
procedures:
  drain:
    description: Drain the queue as a procedure step
    params:
      seconds: { pattern: "[0-9]+" }
    steps:
      - { name: drain, run: "/run slow-drain seconds={seconds}" }
`,
    );
    const env = { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '' };
    const server = execa('node', [BIN, 'start'], { cwd: dir, env: { ...env, PORT: '0' }, extendEnv: false, reject: false });
    servers.push(server);
    let stderr = '';
    server.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => stderr.includes('Firebreak is running'), 60_000, 'firebreak start to come up');
    const run = (text: string) =>
      execa('node', [BIN, 'run', text, '--as', 'oncall', '--yes'], { cwd: dir, env, extendEnv: false, reject: false, timeout: 120_000 }).then((r) => ({
        code: r.exitCode,
        stdout: String(r.stdout),
        stderr: String(r.stderr),
      }));
    const port = () => Number(/Firebreak is running on http:\/\/localhost:(\d+)/.exec(stderr)?.[1]);
    return { dir, marker, server, run, serverStderr: () => stderr, port };
  }

  async function stored(dir: string) {
    const db = await openPglite(join(dir, 'data', 'pgdata'));
    try {
      const events = await db.query<{ kind: string; outcome: string | null; output: string | null; exit_code: number | null }>('SELECT kind, outcome, output, exit_code FROM timeline_events ORDER BY id');
      const leases = await db.query<{ key: string }>('SELECT key FROM leases');
      const runLeases = await db.query<{ key: string; description: string }>('SELECT key, description FROM leases ORDER BY key');
      const runs = await db.query<{ status: string; state: { steps: { state: string; excerpt?: string }[] } }>('SELECT status, state FROM procedure_runs ORDER BY created_at');
      return { events, leases, runs, runLeases };
    } finally {
      await db.close();
    }
  }

  it('a tool that outlives the grace: exit 0, recorded as interrupted by shutdown, the reply says so, the lease is released', async () => {
    const { dir, marker, server, run, serverStderr } = await setUp(1);
    const reply = run('/run slow-drain seconds=300');
    const toolPid = await waitFor(() => readPid(marker), 60_000, 'the tool to start');
    tools.push(toolPid);
    process.kill(server.pid!, 'SIGTERM'); // not server.kill(): execa would send SIGKILL 5 s later, cutting the drain short
    const exited = await server;
    expect(exited.exitCode, serverStderr()).toBe(0);

    const r = await reply;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Interrupted by shutdown: Run slow-drain with seconds=300?');
    expect(r.stdout).toContain('its outcome is unknown: check the target before running it again.');

    const { events, leases } = await stored(dir);
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([
      ['confirmation.requested', 'pending'],
      ['confirmation.confirmed', null],
      ['action.started', null],
      ['action.finished', 'interrupted'],
    ]);
    expect(events.at(-1)!.output).toMatch(/^Interrupted by shutdown: Firebreak was stopped while "Run slow-drain with seconds=300\?" ran/);
    expect(leases).toEqual([]);
    // The tool was stopped with the step, not left running on its own.
    await waitFor(() => !isAlive(toolPid), 20_000, 'the tool to be stopped');
  }, 120_000);

  it('a second SIGTERM during the drain interrupts the step at once: exit 0, recorded as interrupted by shutdown, the lease is released', async () => {
    // A grace longer than this test's timeout: the process can only exit in time if the second
    // signal cut the drain short, so no clock needs to be read to tell.
    const { dir, marker, server, run, serverStderr } = await setUp(600);
    const reply = run('/run slow-drain seconds=300');
    const toolPid = await waitFor(() => readPid(marker), 60_000, 'the tool to start');
    tools.push(toolPid);
    // process.kill, not server.kill: execa's kill() would SIGKILL the process 5 s later on its own.
    process.kill(server.pid!, 'SIGTERM');
    await waitFor(() => serverStderr().includes('waiting up to 600 s for 1 running step(s); send SIGTERM again to stop them now'), 20_000, 'the drain to begin');
    expect(isAlive(toolPid)).toBe(true);
    process.kill(server.pid!, 'SIGTERM');
    const exited = await server;
    expect(exited.exitCode, serverStderr()).toBe(0);
    expect(serverStderr()).toContain('Stopping running steps now; recording them as interrupted by shutdown.');

    const r = await reply;
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Interrupted by shutdown: Run slow-drain with seconds=300?');

    const { events, leases } = await stored(dir);
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([
      ['confirmation.requested', 'pending'],
      ['confirmation.confirmed', null],
      ['action.started', null],
      ['action.finished', 'interrupted'],
    ]);
    expect(events.at(-1)!.output).toMatch(/^Interrupted by shutdown: Firebreak was stopped while "Run slow-drain with seconds=300\?" ran/);
    expect(leases).toEqual([]);
    await waitFor(() => !isAlive(toolPid), 20_000, 'the tool to be stopped');
  }, 120_000);

  it.each([
    { grace: 1, seconds: 300, step: 'interrupted', run: 'interrupted', says: /interrupted/i, held: [{ key: 'action:slow-drain', description: 'procedure drain' }, { key: expect.stringMatching(/^procedure-run:/), description: 'procedure drain' }] },
    { grace: 120, seconds: 3, step: 'ok', run: 'done', says: /slept 3 s/, held: [] },
  ])('SIGTERM while a procedure step runs (grace $grace s, step $seconds s): the run is left $run, not running; the step\'s lease released', async ({ grace, seconds, step, run: runStatus, says, held }) => {
    const { dir, marker, server, run, serverStderr } = await setUp(grace);
    const reply = run(`/procedure drain seconds=${seconds}`);
    const toolPid = await waitFor(() => readPid(marker), 60_000, 'the step’s tool to start');
    tools.push(toolPid);
    process.kill(server.pid!, 'SIGTERM'); // not server.kill(): execa would send SIGKILL 5 s later, cutting the drain short
    const exited = await server;
    expect(exited.exitCode, serverStderr()).toBe(0);

    const r = await reply;
    expect(r.stdout + r.stderr).toMatch(says);
    const { runs, runLeases } = await stored(dir);
    expect(runs.map((x) => [x.status, x.state.steps.map((s) => s.state)])).toEqual([[runStatus, [step]]]);
    // A finished run frees everything; an interrupted one keeps only the run's own leases (as at a
    // failed step, while people choose Retry / Skip / Abort, until the confirmation expires): the
    // step's lease is released.
    expect(runLeases, JSON.stringify(runLeases)).toEqual(held);
    await waitFor(() => !isAlive(toolPid), 20_000, 'the tool to be stopped');
  }, 120_000);

  it('a tool that finishes within the grace: exit 0, and its real result is recorded and told', async () => {
    const { dir, marker, server, run, serverStderr } = await setUp(120);
    const reply = run('/run slow-drain seconds=3');
    await waitFor(() => readPid(marker), 60_000, 'the tool to start');
    process.kill(server.pid!, 'SIGTERM'); // not server.kill(): execa would send SIGKILL 5 s later, cutting the drain short
    const exited = await server;
    expect(exited.exitCode, serverStderr()).toBe(0);

    const r = await reply;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^slow-drain: done \(exit 0 in [\d.]+ s\)/);
    expect(r.stdout).toContain('slept 3 s');

    const { events, leases } = await stored(dir);
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([
      ['confirmation.requested', 'pending'],
      ['confirmation.confirmed', null],
      ['action.started', null],
      ['action.finished', 'ok'],
    ]);
    expect([events.at(-1)!.exit_code, events.at(-1)!.output]).toEqual([0, 'slept 3 s']);
    expect(leases).toEqual([]);
  }, 120_000);

  it('while running steps drain, /readyz answers 503 "shutting down" and /healthz 200, so a load balancer sends no new work', async () => {
    const { marker, server, run, serverStderr, port } = await setUp(600);
    const base = `http://127.0.0.1:${port()}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const reply = run('/run slow-drain seconds=300');
    const toolPid = await waitFor(() => readPid(marker), 60_000, 'the tool to start');
    tools.push(toolPid);
    process.kill(server.pid!, 'SIGTERM'); // not server.kill(): execa would send SIGKILL 5 s later, cutting the drain short

    const readiness = await waitFor(
      async () => {
        const res = await fetch(`${base}/readyz`);
        return res.status === 503 ? { status: res.status, body: await res.json() } : null;
      },
      20_000,
      '/readyz to answer 503',
    );
    expect(readiness.body).toEqual({ status: 'shutting down', checks: [] });
    const health = await fetch(`${base}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    // All of that while the step still runs: the drain (grace 600 s) is waiting for it.
    expect(isAlive(toolPid)).toBe(true);
    expect(server.exitCode).toBeNull();
    expect(serverStderr()).toContain('waiting up to 600 s for 1 running step(s)');

    // A second signal ends the drain; the process exits as usual.
    process.kill(server.pid!, 'SIGTERM'); // not server.kill(): execa would send SIGKILL 5 s later, cutting the drain short
    const exited = await server;
    expect(exited.exitCode, serverStderr()).toBe(0);
    expect((await reply).stdout).toContain('Interrupted by shutdown');
  }, 120_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
