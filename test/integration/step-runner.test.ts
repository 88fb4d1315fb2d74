import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dispatcher, type Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { defineCommand, type AnyCommandSpec } from '../../src/core/spec.js';
import type { StepEnd, StepRequest } from '../../src/core/step-runner.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { readPid } from '../support/pid-file.js';
import { waitFor } from '../support/wait.js';
import { borrowStore } from '../support/store-pool.js';

const carol: Actor = { platform: 'console', id: 'carol', name: 'carol' };

const CONFIG = `
roles:
  responders: ["console:alice", "console:bob", "console:carol"]
`;

/** What the test command does when executed: counted, and held until the test lets it go (or throws). */
interface Work {
  executions: string[];
  gates: Map<string, { release: () => void; done: Promise<void> }>;
  throwFor: Set<string>;
}

function gate(): { release: () => void; done: Promise<void> } {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return { release, done };
}

/** /poke TARGET: a mutating step on lease "poke:TARGET"; target "restore-*" needs a second person. */
function pokeCommand(work: Work): AnyCommandSpec {
  return defineCommand({
    name: 'poke',
    summary: 'test',
    usage: '/poke TARGET',
    params: [{ name: 'target', description: 'what', type: 'string', required: true }],
    args: z.object({ target: z.string() }),
    mutating: true,
    async run(_ctx, { target }) {
      return {
        status: 'confirm',
        plan: { action: 'poke', payload: { target }, title: `Poke ${target}?`, argv: ['poke', target], lease: `poke:${target}`, role: 'responders', approval: target.startsWith('restore-') ? 'second-person' : 'one' },
      };
    },
    async execute(ctx, step) {
      const target = String(step.payload.target);
      work.executions.push(target);
      const g = work.gates.get(target);
      if (g) await Promise.race([g.done, new Promise((r) => ctx.signal?.addEventListener('abort', r))]);
      if (work.throwFor.has(target)) throw new Error(`the poke tool crashed on ${target}`);
      return { status: 'ok', reply: { title: `Poked ${target}`, status: 'ok' }, execution: { argv: step.argv, exitCode: 0, output: `poked ${target}` } };
    },
  });
}

/** The step runner's contract, on both stores: two replicas (two apps) share one store. */
describe.each([
  ['PostgreSQL', 'postgres'],
  ['embedded PGlite', 'pglite'],
] as const)('step runner on %s', (_name, kind) => {
  const work: Work = { executions: [], gates: new Map(), throwFor: new Set() };
  let replicas: { app: App; dispatcher: Dispatcher<AppPorts> }[];
  let dbs: Db[];
  let drop: (() => Promise<void>) | undefined;
  const inv = (actor: Actor, text: string, extra: Partial<Invocation> = {}): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text }, ...extra });
  const click = (actor: Actor, actionId: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'action', actionId } });
  const a = () => replicas[0]!;
  const b = () => replicas[1]!;
  const events = async (invocationId: string) => (await a().app.ports.timeline.list({ invocationId })).map((e) => [e.kind, e.outcome]);

  beforeAll(async () => {
    if (kind === 'postgres') {
      const t = await createTestDatabase('fb_steps');
      drop = t.drop;
      dbs = [await openPostgres(t.url), await openPostgres(t.url)];
    } else {
      // PGlite is one session in one process: both "replicas" share it, as two apps.
      const db = await borrowStore();
      dbs = [db, db];
    }
    await migrate(dbs[0]!);
    replicas = [];
    for (const db of dbs) {
      const app = await testApp(CONFIG, { db });
      const registry = new CommandRegistry([...app.ports.registry.list(), pokeCommand(work)]);
      replicas.push({ app, dispatcher: new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics) });
    }
  }, 120_000);
  afterAll(async () => {
    for (const r of replicas ?? []) await r.app.close();
    for (const db of new Set(dbs ?? [])) await db.close();
    await drop?.();
  });

  it('confirmations pressed on two replicas at once: exactly one execution and one outcome row', async () => {
    const card = await a().dispatcher.dispatch(inv(alice, '/poke one'));
    const confirm = card.reply.buttons![0]!.actionId;
    const results = await Promise.all([a().dispatcher.dispatch(click(bob, confirm)), b().dispatcher.dispatch(click(carol, confirm)), b().dispatcher.dispatch(click(bob, confirm))]);
    expect(work.executions.filter((t) => t === 'one')).toEqual(['one']);
    expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
    // The others are told it is running or already confirmed; nothing else ran.
    for (const r of results.filter((r) => r.status !== 'ok')) expect(r.reply.title).toMatch(/^(Already running|Already confirmed)$/);
    const rows = await events(card.invocationId);
    expect(rows.filter(([k]) => k === 'action.finished')).toEqual([['action.finished', 'ok']]);
    expect(rows.filter(([k]) => k === 'confirmation.confirmed')).toHaveLength(1);
    expect(await a().app.ports.leases.current('poke:one')).toBeNull();
  });

  it('holds the lease while the step executes (the other replica is told who runs it) and releases it after', async () => {
    const g = gate();
    work.gates.set('two', g);
    const card = await a().dispatcher.dispatch(inv(alice, '/poke two'));
    const running = a().dispatcher.dispatch(click(bob, card.reply.buttons![0]!.actionId));
    const held = await waitFor(() => b().app.ports.leases.current('poke:two'), 20_000, 'the lease to be taken');
    expect([held.actorName, held.description]).toEqual(['bob', 'Poke two?']);
    expect(a().app.ports.steps.inFlight.running().map((s) => s.title)).toEqual(['Poke two?']);
    const other = await b().dispatcher.dispatch(inv(carol, '/poke two'));
    expect(other.reply.text).toMatch(/^Poke two\? is already running, started by bob at \d{4}-.*Nothing was run; try again when it has finished\.$/);
    g.release();
    expect((await running).status).toBe('ok');
    expect(await b().app.ports.leases.current('poke:two')).toBeNull();
    expect(a().app.ports.steps.inFlight.running()).toEqual([]);
  });

  it('when the tool throws: the failure is recorded once, and the lease is released', async () => {
    work.throwFor.add('three');
    const card = await a().dispatcher.dispatch(inv(alice, '/poke three'));
    const r = await b().dispatcher.dispatch(click(alice, card.reply.buttons![0]!.actionId));
    expect([r.status, r.reply.text]).toEqual(['failed', 'the poke tool crashed on three']);
    expect((await events(card.invocationId)).filter(([k]) => k === 'action.finished')).toEqual([['action.finished', 'failed']]);
    expect(await a().app.ports.leases.current('poke:three')).toBeNull();
  });

  it('the runner itself: execute that rejects → finish told once ("threw"), lease released, nothing left in flight', async () => {
    const ends: StepEnd<string>[] = [];
    const req: StepRequest<string, string> = {
      id: `raw-${kind}`,
      plan: { title: 'Raw step', lease: 'raw:step', role: 'responders' },
      actor: alice,
      leaseTtlMs: 60_000,
      begin: async () => true,
      execute: async () => {
        expect(await b().app.ports.leases.current('raw:step')).toMatchObject({ id: `raw-${kind}` });
        throw new Error('boom');
      },
      finish: async (end) => {
        ends.push(end);
        return end.kind;
      },
    };
    const run = await a().app.ports.steps.run(req);
    expect(run).toEqual({ kind: 'done', result: 'threw' });
    expect(ends.map((e) => e.kind)).toEqual(['threw']);
    expect(await b().app.ports.leases.current('raw:step')).toBeNull();
    expect(a().app.ports.steps.inFlight.running()).toEqual([]);
  });

  it('role and approval rules: no role → refused before any lease; second person ≠ requester; "one" lets the requester confirm', async () => {
    const steps = a().app.ports.steps;
    let executed = 0;
    const base = { leaseTtlMs: 60_000, begin: async () => true, execute: async () => void executed++, finish: async () => 'ran' };
    const config = a().app.loaded.config;
    const denied = await steps.run({ ...base, id: 'r1', plan: { title: 'Restore x?', lease: 'rules:x', role: 'responders' }, actor: mallory, authority: { config, what: '/poke x' } });
    expect(denied).toMatchObject({ kind: 'refused', refusal: { status: 'denied', reply: { text: '/poke x needs the "responders" role, which mallory does not have. Ask an admin to add "console:mallory" to roles.responders in the Firebreak config. Nothing was run.' } } });
    const self = await steps.run({ ...base, id: 'r2', plan: { title: 'Restore x?', lease: 'rules:x', role: 'responders', approval: 'second-person' }, actor: alice, authority: { config, requestedBy: alice, what: 'confirming /poke' } });
    expect(self).toMatchObject({ kind: 'refused', refusal: { reply: { title: 'A second person must confirm' } } });
    expect(executed).toBe(0);
    const second = await steps.run({ ...base, id: 'r3', plan: { title: 'Restore x?', lease: 'rules:x', role: 'responders', approval: 'second-person' }, actor: bob, authority: { config, requestedBy: alice, what: 'confirming /poke' } });
    const one = await steps.run({ ...base, id: 'r4', plan: { title: 'Poke x?', lease: 'rules:x', role: 'responders', approval: 'one' }, actor: alice, authority: { config, requestedBy: alice, what: 'confirming /poke' } });
    const none = await steps.run({ ...base, id: 'r5', plan: { title: 'x', lease: 'rules:x', role: 'responders', approval: 'none' }, actor: alice, authority: { config, what: '/run x' } });
    expect([second, one, none]).toEqual([{ kind: 'done', result: 'ran' }, { kind: 'done', result: 'ran' }, { kind: 'done', result: 'ran' }]);
    expect(executed).toBe(3);
    // Through the dispatcher: the requester of a second-person step cannot confirm it; someone else can.
    const card = await a().dispatcher.dispatch(inv(alice, '/poke restore-db'));
    const mine = await b().dispatcher.dispatch(click(alice, card.reply.buttons![0]!.actionId));
    expect([mine.status, mine.reply.title]).toEqual(['denied', 'A second person must confirm']);
    expect((await b().dispatcher.dispatch(click(bob, card.reply.buttons![0]!.actionId))).status).toBe('ok');
  });

  // Last: it stops replica a's runner for good.
  it('shutdown: a step that outlives the grace is recorded as interrupted and its lease released; new steps are not started', async () => {
    work.gates.set('four', gate());
    const card = await a().dispatcher.dispatch(inv(alice, '/poke four'));
    const running = a().dispatcher.dispatch(click(bob, card.reply.buttons![0]!.actionId));
    await waitFor(() => work.executions.includes('four'), 20_000, 'the step to execute');
    const drained = await a().app.ports.steps.drain({ graceMs: 100 });
    expect(drained).toEqual({ finished: 0, interrupted: ['Poke four?'], abandoned: [] });
    const r = await running;
    expect([r.status, r.reply.title]).toEqual(['failed', 'Interrupted by shutdown: Poke four?']);
    expect(r.reply.text).toContain('its outcome is unknown: check the target before running it again.');
    const finished = (await a().app.ports.timeline.list({ invocationId: card.invocationId })).filter((e) => e.kind === 'action.finished');
    expect(finished.map((e) => [e.outcome, e.detail.interrupted])).toEqual([['interrupted', 'shutdown']]);
    expect(await b().app.ports.leases.current('poke:four')).toBeNull();

    // Stopping: a confirmation pressed now is not taken, so another replica can still run it.
    const later = await b().dispatcher.dispatch(inv(alice, '/poke five'));
    const refused = await a().dispatcher.dispatch(click(bob, later.reply.buttons![0]!.actionId));
    expect([refused.status, refused.reply.title]).toEqual(['denied', 'Firebreak is shutting down']);
    expect(work.executions).not.toContain('five');
    expect((await b().dispatcher.dispatch(click(bob, later.reply.buttons![0]!.actionId))).status).toBe('ok');
  });
});

/** /run of a `confirm: false` action is a step too: no card, but drained and interrupted like any other. */
describe('step runner: /run without confirmation at shutdown', () => {
  let app: App;
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-steps-'));
  const marker = join(dir, 'started');
  beforeAll(async () => {
    app = await testApp(`
roles:
  responders: ["console:alice"]
actions:
  purge:
    confirm: false
    argv: [node, ${JSON.stringify(resolve('test/fakes/slow-tool.mjs'))}, ${JSON.stringify(marker)}, "300"]
    timeout_s: 600
`);
  }, 60_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the tool is stopped, the command is recorded as interrupted, the lease is released', async () => {
    const running = app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/run purge' } });
    await waitFor(() => existsSync(marker), 20_000, 'the tool to start');
    expect(await app.ports.leases.current('action:purge')).toMatchObject({ actorName: 'alice', description: 'purge' });
    const drained = await app.ports.steps.drain({ graceMs: 100 });
    expect(drained.interrupted).toEqual(['purge']);
    const r = await running;
    expect([r.status, r.reply.title]).toEqual(['failed', 'Interrupted by shutdown: purge']);
    const rows = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(rows.map((e) => [e.kind, e.outcome])).toEqual([['action.started', null], ['command', 'interrupted']]);
    expect(await app.ports.leases.current('action:purge')).toBeNull();
    const pid = await waitFor(() => readPid(marker), 20_000, 'the tool’s pid');
    await waitFor(() => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    }, 20_000, 'the tool to be stopped');
  });
});
