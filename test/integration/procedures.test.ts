import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { Reply } from '../../src/core/reply.js';
import type { App } from '../../src/main.js';
import { markInterruptedRuns, sweepRuns } from '../../src/procedures/sweep.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';

const FAKE = resolve('test/fakes/append-argv.mjs');

/** Procedures through the dispatcher: the real /scale planning and executing a recording deploy tool. */
describe('/procedure: a runbook from one card', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-procedures-'));
  const log = join(dir, 'calls.jsonl');
  let app: App;
  let up: Server;
  let closedPort: number;

  const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as string[]).join(' ')) : []);
  const progress: Reply[] = [];
  const sink = { progress: async (r: Reply) => void progress.push(r) };
  const type = (actor: Actor, text: string, yes = false): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text }, autoConfirm: yes }, sink);
  const press = (actor: Actor, actionId: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } }, sink);
  const button = (r: DispatchResult, label: string): string => {
    const b = r.reply.buttons?.find((x) => x.label === label);
    if (!b) throw new Error(`no ${label} button on "${r.reply.title}": ${JSON.stringify(r.reply.buttons)}`);
    return b.actionId;
  };
  /** Each step's row as "N. state" (the card's third cell), e.g. "1. ✅ ok". */
  const states = (r: DispatchResult | Reply): string[] => ('reply' in r ? r.reply : r).rows!.map((row) => `${row.cells[0]} ${row.cells[2]}`);

  beforeAll(async () => {
    up = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => up.once('listening', r));
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    app = await testApp(`
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:root"]
actions:
  noisy:
    read_only: true
    argv: ["node", "-e", "console.log('z'.repeat(3) + 'top'); console.log('ERR disk full'); console.log('z'.repeat(3) + 'end')"]
    output: [{ grep: "ERR" }]
  admin-only:
    role: admins
    argv: ["node", "${FAKE}", "${log}", "admin-only"]
services:
  litellm:
    deploy:
      kind: commands
      scale: ["node", "${FAKE}", "${log}", "scale", "{service}", "{replicas}", "FAIL_IF=${dir}/fail-{replicas}"]
    replicas: { min: 1, max: 4 }
datastores:
  up: { type: tcp, host: 127.0.0.1, port: ${(up.address() as AddressInfo).port} }
  down: { type: tcp, host: 127.0.0.1, port: ${closedPort} }
procedures:
  cycle:
    description: Stop litellm, start it again, check
    params:
      replicas: { pattern: "[0-9]+" }
    steps:
      - { name: stop, run: "/scale litellm 0", below_min: true }
      - run: "/scale litellm {replicas}"
      - check: up
  breaks:
    description: Fails at its check
    steps:
      - run: "/scale litellm 2"
      - check: down
      - run: "/scale litellm 4"
    on_failure:
      - run: "/scale litellm 1"
  flaky:
    description: Its first step fails while the marker file exists
    steps:
      - run: "/scale litellm 3"
      - run: "/scale litellm 4"
  gated:
    description: Stop, ask, do by hand, start
    steps:
      - { run: "/scale litellm 0", below_min: true }
      - approve: "Smoke tests green?"
      - manual: "Railway dashboard → litellm → Pause"
      - run: "/scale litellm 2"
  options:
    description: retries, continue_on_failure, wait and timeout_s
    steps:
      - { name: tries twice, run: "/scale litellm 3", retries: 1, continue_on_failure: true }
      - wait: { until: up, timeout_s: 5, every_s: 1 }
      - { name: never passes, wait: { until: down, timeout_s: 2, every_s: 1 }, continue_on_failure: true }
      - { name: cut short, wait: { until: down, timeout_s: 60, every_s: 1 }, timeout_s: 1, continue_on_failure: true }
      - run: "/scale litellm 4"
  needs-admin:
    description: A step only admins may run
    steps:
      - run: "/run admin-only"
  filtered:
    description: A run step whose action has output filters
    steps:
      - run: "/run noisy"
  anyservice:
    description: Scales what it is told
    params:
      svc: {}
    steps:
      - run: "/scale {svc} 2"
`);
  });
  afterAll(async () => {
    await app.close();
    up.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rmSync(log, { force: true });
    progress.length = 0;
  });

  it('/procedure with no name lists each procedure with its description; with none configured it says so', async () => {
    const r = await type(alice, '/procedure');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('Procedures (8)');
    expect(r.reply.rows!.map((row) => `${row.cells[0]}: ${row.cells[1]}`)).toEqual([
      'cycle: Stop litellm, start it again, check',
      'breaks: Fails at its check',
      'flaky: Its first step fails while the marker file exists',
      'gated: Stop, ask, do by hand, start',
      'options: retries, continue_on_failure, wait and timeout_s',
      'needs-admin: A step only admins may run',
      'filtered: A run step whose action has output filters',
      'anyservice: Scales what it is told',
    ]);
    expect(r.reply.rows![0]!.cells[2]).toBe('3 steps');
    expect(calls()).toEqual([]);

    const empty = await testApp(`
roles:
  responders: ["console:alice"]
`);
    try {
      const none = await empty.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/procedure' } }, sink);
      expect(none.reply.title).toBe('No procedures');
      expect(none.reply.text).toBe('No procedures are configured; add them under procedures: in the Firebreak config.');
    } finally {
      await empty.close();
    }
  }, 120_000);

  it('a run: step shows its action’s output: filters in the excerpt on the card and the timeline', async () => {
    const r = await type(alice, '/procedure filtered', true);
    expect(r.reply.title).toBe('Procedure filtered: all 1 steps done');
    const shown = r.reply.rows![0]!.cells[4]!;
    expect(shown).toContain('ERR disk full');
    expect(shown).not.toContain('zzz');
    const recorded = (await app.ports.timeline.list({})).filter((e) => (e.output ?? '').includes('disk full'));
    expect(recorded.length).toBeGreaterThan(0);
    expect(recorded.every((e) => !(e.output ?? '').includes('zzz'))).toBe(true);
  });

  it('shows every step on one card, then runs them in order on Confirm, the card updated step by step', async () => {
    const card = await type(alice, '/procedure cycle replicas=3');
    expect(card.status).toBe('pending');
    expect(card.reply.title).toBe('Run procedure cycle with replicas=3 (3 steps)?');
    expect(card.reply.fields?.map((f) => `${f.label} ${f.value}`)).toEqual([
      `1. stop /scale litellm 0 → node ${FAKE} ${log} scale litellm 0 FAIL_IF=${dir}/fail-0`,
      `2. /scale litellm 3 → node ${FAKE} ${log} scale litellm 3 FAIL_IF=${dir}/fail-3`,
      '3. check up',
    ]);
    expect(calls()).toEqual([]);

    const done = await press(bob, button(card, 'Run procedure'));
    expect(done.status).toBe('ok');
    expect(done.reply.title).toBe('Procedure cycle: all 3 steps done');
    expect(states(done)).toEqual(['1. ✅ ok', '2. ✅ ok', '3. ✅ ok']);
    expect(calls()).toEqual(['scale litellm 0', 'scale litellm 3']);
    // In place, step by step: each step was shown running before it was shown done.
    const shown = progress.filter((r) => r.rows).map((r) => states(r).join(' | '));
    expect(shown).toEqual(
      expect.arrayContaining([
        '1. ⏳ running | 2. · not run yet | 3. · not run yet',
        '1. ✅ ok | 2. ⏳ running | 3. · not run yet',
        '1. ✅ ok | 2. ✅ ok | 3. ⏳ running',
      ]),
    );
    const events = await app.ports.timeline.list({ invocationId: card.invocationId });
    const steps = events.filter((e) => e.detail.procedure === 'cycle').map((e) => `${e.kind} ${e.detail.step} ${e.outcome ?? ''}`.trim());
    expect(steps).toEqual(['action.started 1', 'action.finished 1 ok', 'action.started 2', 'action.finished 2 ok', 'procedure.step 3 ok', 'procedure.finished undefined ok']);
  });

  it('stops at the first failed step, runs on_failure, never the later steps; Skip goes on from there', async () => {
    const r = await type(alice, '/procedure breaks', true);
    expect(r.status).toBe('failed');
    expect(r.reply.title).toBe('Procedure breaks: step 2 of 3 failed');
    expect(states(r)).toEqual(['1. ✅ ok', '2. ❌ failed', '3. · not run yet', 'on_failure 1. ✅ ok']);
    expect(calls()).toEqual(['scale litellm 2', 'scale litellm 1']);
    expect(r.reply.buttons?.map((b) => b.label)).toEqual(['Retry step', 'Skip step', 'Abort']);

    const skipped = await press(bob, button(r, 'Skip step'));
    expect(skipped.reply.title).toBe('Procedure breaks: all 3 steps done');
    expect(states(skipped).slice(0, 3)).toEqual(['1. ✅ ok', '2. ⏭ skipped', '3. ✅ ok']);
    expect(calls()).toEqual(['scale litellm 2', 'scale litellm 1', 'scale litellm 4']);
    expect(await app.ports.leases.current('service:litellm')).toBeNull();
  });

  it('Retry runs the failed step again; Abort ends the run and frees the service', async () => {
    writeFileSync(join(dir, 'fail-3'), '');
    const r = await type(alice, '/procedure flaky', true);
    expect(states(r)).toEqual(['1. ❌ failed', '2. · not run yet']);
    unlinkSync(join(dir, 'fail-3'));
    const retried = await press(alice, button(r, 'Retry step'));
    expect(retried.status).toBe('ok');
    expect(states(retried)).toEqual(['1. ✅ ok', '2. ✅ ok']);
    expect(calls()).toEqual(['scale litellm 3', 'scale litellm 4']);

    rmSync(log, { force: true });
    writeFileSync(join(dir, 'fail-3'), '');
    const again = await type(alice, '/procedure flaky', true);
    expect(await app.ports.leases.current('service:litellm')).toMatchObject({ description: 'procedure flaky' });
    const aborted = await press(bob, button(again, 'Abort'));
    expect(aborted.reply.title).toBe('Procedure flaky: aborted at step 1 of 2');
    expect(aborted.reply.buttons).toBeUndefined();
    expect(calls()).toEqual([]);
    expect(await app.ports.leases.current('service:litellm')).toBeNull();
    // The card's old buttons do nothing any more.
    const late = await press(alice, button(again, 'Retry step'));
    expect(late.status).toBe('invalid');
    expect(calls()).toEqual([]);
    unlinkSync(join(dir, 'fail-3'));
  });

  it('waits at an approval gate and a manual step for someone with the role, holding litellm meanwhile', async () => {
    const r = await type(alice, '/procedure gated', true);
    expect(r.reply.title).toBe('Procedure gated: step 2 of 4 waits for a person');
    expect(states(r)).toEqual(['1. ✅ ok', '2. ✋ waiting for a person', '3. · not run yet', '4. · not run yet']);
    expect(r.reply.text).toContain('Smoke tests green?');

    const refused = await press(mallory, button(r, 'Approve'));
    expect(refused.status).toBe('denied');
    expect(refused.reply.text).toContain('needs the "responders" role, which mallory does not have');

    // Someone else's typed /scale meets the procedure's lease.
    const typed = await type(bob, '/scale litellm 3');
    expect(typed.status).toBe('denied');
    expect(typed.reply.text).toMatch(/^procedure gated is already running, started by alice at /);
    expect(calls()).toEqual(['scale litellm 0']);

    const approved = await press(bob, button(r, 'Approve'));
    expect(approved.reply.title).toBe('Procedure gated: step 3 of 4 waits for a person');
    expect(approved.reply.rows![1]!.cells[4]).toBe('approved by bob');
    expect(approved.reply.buttons?.map((b) => b.label)).toEqual(['Done', 'Abort']);
    // The same gate cannot be approved twice.
    expect((await press(bob, button(r, 'Approve'))).status).toBe('invalid');

    expect((await press(mallory, button(approved, 'Done'))).status).toBe('denied');
    const done = await press(alice, button(approved, 'Done'));
    expect(done.reply.title).toBe('Procedure gated: all 4 steps done');
    expect(done.reply.rows![2]!.cells[4]).toBe('marked done by alice');
    expect(calls()).toEqual(['scale litellm 0', 'scale litellm 2']);
    // Who pressed what, refusals too, each one row on the timeline.
    const pressed = (await app.ports.timeline.list({})).filter((e) => e.command === 'procedure' && e.text?.startsWith('(procedure ')).map((e) => `${e.kind} ${e.actor.name} ${e.text?.split(' ').slice(0, 2).join(' ')}`);
    expect(pressed).toEqual(expect.arrayContaining(['command.denied mallory (procedure approve)', 'button bob (procedure approve)', 'command.denied mallory (procedure done)', 'button alice (procedure done)']));
  });

  it('Reject at a gate fails that step: the later steps do not run, the card offers Retry / Skip / Abort', async () => {
    const r = await type(alice, '/procedure gated', true);
    const rejected = await press(bob, button(r, 'Reject'));
    expect(rejected.status).toBe('failed');
    expect(states(rejected)).toEqual(['1. ✅ ok', '2. ❌ failed', '3. · not run yet', '4. · not run yet']);
    expect(rejected.reply.rows![1]!.cells[4]).toBe('rejected by bob');
    expect(rejected.reply.buttons?.map((b) => b.label)).toEqual(['Retry step', 'Skip step', 'Abort']);
    // Still held while people decide.
    expect(await app.ports.leases.current('service:litellm')).toMatchObject({ description: 'procedure gated' });
    await press(alice, button(rejected, 'Abort'));
    expect(calls()).toEqual(['scale litellm 0']);
    expect(await app.ports.leases.current('service:litellm')).toBeNull();
  });

  it('retries with backoff, goes on past a step marked continue_on_failure, waits, and cuts a step at its timeout_s', async () => {
    writeFileSync(join(dir, 'fail-3'), '');
    const r = await type(alice, '/procedure options', true);
    unlinkSync(join(dir, 'fail-3'));
    // Done, but not every step passed: exit 1 on the console.
    expect(r.status).toBe('failed');
    expect(r.reply.title).toBe('Procedure options: done, 3 steps failed (continue_on_failure)');
    expect(states(r)).toEqual(['1. ❌ failed', '2. ✅ ok', '3. ❌ failed', '4. ❌ failed', '5. ✅ ok']);
    const cells = r.reply.rows!.map((row) => row.cells[4]);
    expect(cells[2]).toMatch(/down did not pass within 2 s/);
    expect(cells[3]).toBe('Timed out after 1 s (timeout_s).');
    expect(calls()).toEqual(['scale litellm 4']);
    const tries = (await app.ports.timeline.list({ invocationId: r.invocationId })).filter((e) => e.kind === 'action.finished' && e.detail.step === '1');
    expect(tries.map((e) => e.outcome)).toEqual(['failed', 'failed']);
  });

  it('refuses bad input before anything runs, with the command’s own sentence', async () => {
    const cases: [string, RegExp][] = [
      ['/procedure cycle', /cycle needs replicas=…/],
      ['/procedure cycle replicas=9', /step 2: \/scale litellm 9: litellm allows 1–4 replicas; 9 is outside that\./],
      ['/procedure cycle replicas=3 extra=1', /cycle has no param "extra"/],
      ['/procedure anyservice svc=ghost', /There is no service called "ghost"/],
      ['/procedure nosuch', /There is no procedure "nosuch"/],
    ];
    for (const [text, message] of cases) {
      const r = await type(alice, text, true);
      expect(r.status, text).toBe('invalid');
      expect(r.reply.text, text).toMatch(message);
    }
    // A step's own role: checked for the requester when planned, and for the confirmer.
    const notAdmin = await type(alice, '/procedure needs-admin', true);
    expect(notAdmin.status).toBe('invalid');
    expect(notAdmin.reply.text).toContain('needs the "admins" role, which alice does not have');
    const root: Actor = { platform: 'console', id: 'root', name: 'root' };
    const card = await type(root, '/procedure needs-admin');
    const confirmed = await press(bob, button(card, 'Run procedure'));
    expect(confirmed.status).toBe('denied');
    expect(confirmed.reply.text).toContain('needs the "admins" role, which bob does not have');
    // Only a procedure step may go below the minimum.
    expect((await type(alice, '/scale litellm 0', true)).status).toBe('invalid');
    expect(calls()).toEqual([]);
  });

  it('a run whose process died mid-step is marked interrupted by the sweep, its card posted again once, and Retry picks it up', async () => {
    const card = await type(alice, '/procedure flaky');
    const run = (await app.ports.procedureRuns.withStatus(['pending'])).find((x) => x.invocationId === card.invocationId)!;
    expect(card.status).toBe('pending');
    // As a process that died while running step 1 would have left it.
    await app.ports.procedureRuns.save({ ...run, status: 'running', confirmedBy: alice, steps: run.steps.map((s, i) => (i === 0 ? { ...s, state: 'running', attempts: 1 } : s)) });
    // A run another live process is running holds its run lease: left alone.
    const live = await type(alice, '/procedure cycle replicas=2');
    const liveRun = (await app.ports.procedureRuns.withStatus(['pending'])).find((x) => x.invocationId === live.invocationId)!;
    const liveSaved = (await app.ports.procedureRuns.save({ ...liveRun, status: 'running', confirmedBy: alice }))!;
    await app.ports.leases.acquire(`procedure-run:${liveRun.id}`, { id: liveRun.id, actorName: 'alice', description: 'procedure cycle' }, 60_000);
    expect((await markInterruptedRuns(app.ports)).map((r) => r.id)).toEqual([run.id]);
    expect((await app.ports.procedureRuns.get(liveRun.id))!.status).toBe('running');
    await app.ports.procedureRuns.save({ ...liveSaved, status: 'aborted' });
    await app.ports.leases.release(`procedure-run:${liveRun.id}`, liveRun.id);
    const after = (await app.ports.procedureRuns.get(run.id))!;
    expect(after.status).toBe('interrupted');
    expect(after.steps[0]!.state).toBe('interrupted');
    // Its card is posted again, once, in the run's channel: the old one was the dead process's.
    const since = await app.consoleMessages.currentVersion();
    await sweepRuns(app.loaded.config, app.ports);
    await sweepRuns(app.loaded.config, app.ports);
    const reposted = (await app.consoleMessages.changesSince(since, 'alice')).messages.filter((m) => m.reply.title === 'Procedure flaky: step 1 of 2 was interrupted — outcome unknown');
    expect(reposted).toHaveLength(1);
    expect(reposted[0]!.reply.buttons!.map((b) => b.label)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect((await app.ports.procedureRuns.get(run.id))!.repostCard).toBeUndefined();
    const retried = await press(bob, `procedure:retry:${run.id}:0`);
    expect(retried.reply.title).toBe('Procedure flaky: all 2 steps done');
    expect(calls()).toEqual(['scale litellm 3', 'scale litellm 4']);
  });
});
