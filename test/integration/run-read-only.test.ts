import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const LOG = [
  '10:00:01 INFO request ok',
  '10:00:02 ERROR upstream timeout provider=openai',
  '10:00:03 ERROR db pool exhausted',
  '10:00:04 WARN slow request',
  '10:00:05 ERROR upstream timeout provider=openai',
  '10:00:06 ERROR upstream timeout provider=openai',
].join('\n');

function configYaml(dir: string): string {
  const logs = join(dir, 'app.log');
  const quiet = join(dir, 'quiet.log');
  return `
roles:
  responders: ["console:alice"]
  admins: ["console:alice"]
actions:
  errors:
    description: Group the app's errors (runbook 002, "Identify error type")
    read_only: true
    expect_exit: [0, 1]
    params:
      file: { type: enum, values: [app, quiet] }
    argv: [grep, -E, "ERROR|WARN", "${dir}/{file}.log"]
    output:
      - grep: " ERROR "
      - cut: { fields: "2-" }
      - group: true
  errors-strict:
    read_only: true
    argv: [grep, ERROR, "${quiet}"]
  error-count:
    read_only: true
    argv: [cat, "${logs}"]
    output: [{ grep: ERROR }, { count: true }]
  slow-look:
    read_only: true
    params:
      n: { type: int, min: 1, max: 9 }
    argv: [node, test/fakes/slow-tool.mjs, "${dir}/slow-{n}.pid", "1"]
  admin-look:
    read_only: true
    role: admins
    argv: [cat, "${logs}"]
`;
}

describe('/run of a read-only action: a diagnosis without a shell', () => {
  let dir: string;
  let app: App;
  const inv = (actor: Actor, text: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-read-only-'));
    writeFileSync(join(dir, 'app.log'), `${LOG}\n`);
    writeFileSync(join(dir, 'quiet.log'), '10:00:01 INFO all good\n');
    app = await testApp(configYaml(dir));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs at once for anyone in an allowed channel, and shows the filtered output grouped by count', async () => {
    const r = await app.dispatcher.dispatch(inv(mallory, '/run errors file=app'));
    expect(r.status).toBe('ok');
    expect(r.reply.buttons ?? []).toEqual([]);
    expect(r.reply.title).toMatch(/^errors: done \(exit 0 in /);
    expect(r.reply.code).toBe('3 ERROR upstream timeout provider=openai\n1 ERROR db pool exhausted');
  });

  it('grep finding nothing (exit 1) is an answer when expect_exit lists it, a failure when not', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run errors file=quiet'));
    expect(r.status).toBe('ok');
    expect(r.reply.title).toMatch(/^errors: done \(exit 1 in /);
    expect(r.reply.text).toBe('Nothing found (exit 1, which this action expects).');
    expect(r.reply.code).toBeUndefined();

    const strict = await app.dispatcher.dispatch(inv(alice, '/run errors-strict'));
    expect(strict.status).toBe('failed');
    expect(strict.reply.text).toBe('grep exited with code 1');
  });

  it('count counts the matching lines', async () => {
    const r = await app.dispatcher.dispatch(inv(mallory, '/run error-count'));
    expect(r.reply.code).toBe('4');
  });

  it('records the outcome as read-only with what was shown and the exit code, and no start of a mutating step', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run errors file=quiet'));
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command', 'ok']]);
    expect(events[0]!.exitCode).toBe(1);
    expect(events[0]!.detail).toMatchObject({ action: 'errors', readOnly: true });

    const shown = await app.dispatcher.dispatch(inv(alice, '/run error-count'));
    const [event] = await app.ports.timeline.list({ invocationId: shown.invocationId });
    expect(event!.output).toBe('4');
  });

  it('takes no lease: two runs go side by side and no lease row exists while they run', async () => {
    const first = app.dispatcher.dispatch(inv(alice, '/run slow-look n=1'));
    const second = app.dispatcher.dispatch(inv(mallory, '/run slow-look n=2'));
    await waitFor(() => existsSync(join(dir, 'slow-1.pid')) && existsSync(join(dir, 'slow-2.pid')), 20_000, 'both slow tools to start');
    expect(await app.db.query('SELECT key FROM leases')).toEqual([]);
    const results = await Promise.all([first, second]);
    expect(results.map((r) => [r.status, r.reply.code])).toEqual([['ok', 'slept 1 s'], ['ok', 'slept 1 s']]);
  });

  it('a role the action names is still required', async () => {
    const r = await app.dispatcher.dispatch(inv(mallory, '/run admin-look'));
    expect(r.status).toBe('denied');
    expect(r.reply.text).toBe('/run admin-look needs the "admins" role, which mallory does not have. Ask an admin to add "console:mallory" to roles.admins in the Firebreak config. Nothing was run.');
    expect((await app.dispatcher.dispatch(inv(alice, '/run admin-look'))).status).toBe('ok');
  });

  it('/run lists them as read-only', async () => {
    const r = await app.dispatcher.dispatch(inv(mallory, '/run'));
    expect(r.reply.rows!.map((row) => [row.cells[0], row.cells[3]])).toEqual([
      ['errors', 'read-only'],
      ['errors-strict', 'read-only'],
      ['error-count', 'read-only'],
      ['slow-look', 'read-only'],
      ['admin-look', 'read-only, needs admins'],
    ]);
  });
});
