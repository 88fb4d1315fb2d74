import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Dispatcher, type Invocation } from '../../src/core/dispatcher.js';
import { defineCommand, type AnyCommandSpec } from '../../src/core/spec.js';
import { CommandRegistry } from '../../src/core/registry.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';

/** A mutating command for exercising the pipeline: records every execution it is asked for. */
function bumpCommand(executions: string[], delayMs = 0): AnyCommandSpec {
  return defineCommand({
    name: 'bump',
    summary: 'test',
    usage: '/bump TARGET',
    params: [{ name: 'target', description: 'what', type: 'string', required: true }],
    args: z.object({ target: z.enum(['a', 'b'], { message: 'target must be a or b' }) }),
    mutating: true,
    async run(_ctx, args) {
      return {
        status: 'confirm',
        plan: { action: 'bump', payload: { target: args.target }, title: `Bump ${args.target}?`, argv: ['bump', args.target], lease: `svc:${args.target}`, role: 'responders', approval: args.target === 'b' ? 'second-person' : 'self' },
      };
    },
    async execute(_ctx, step) {
      await new Promise((r) => setTimeout(r, delayMs));
      executions.push(String(step.payload.target));
      return { status: 'ok', reply: { title: `Bumped ${String(step.payload.target)}`, status: 'ok' }, execution: { argv: step.argv, exitCode: 0, output: 'done' } };
    },
  });
}

const CONFIG = `
roles:
  responders: ["console:alice", "console:bob"]
`;

describe('dispatcher pipeline: confirm → lease → run → record', () => {
  let app: App;
  let executions: string[];
  let dispatcher: Dispatcher<AppPorts>;
  let registry: CommandRegistry<AppPorts>;
  const inv = (actor: typeof alice, text: string, extra: Partial<Invocation> = {}): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text }, ...extra });
  const click = (actor: typeof alice, actionId: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

  beforeEach(async () => {
    app = await testApp(CONFIG);
    executions = [];
    registry = new CommandRegistry([...app.ports.registry.list(), bumpCommand(executions, 50)]);
    dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics);
  });
  afterEach(() => app.close());

  it('asks for confirmation with the exact command and runs nothing until confirmed', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump a'));
    expect(r.status).toBe('pending');
    expect(r.reply.title).toBe('Bump a?');
    expect(r.reply.code).toBe('bump a');
    expect(r.reply.buttons?.map((b) => b.label)).toEqual(['Confirm', 'Cancel']);
    expect(executions).toEqual([]);
    const confirmId = r.reply.buttons![0]!.actionId;
    const done = await dispatcher.dispatch(click(bob, confirmId));
    expect(done.status).toBe('ok');
    expect(done.reply.context).toContain('confirmed by bob');
    expect(executions).toEqual(['a']);
    const kinds = (await app.ports.timeline.list({ invocationId: r.invocationId })).map((e) => e.kind);
    expect(kinds).toEqual(['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']);
  });

  it('a confirmation clicked after its time is refused as expired and runs nothing', async () => {
    const later = new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics, () => new Date(Date.now() + 11 * 60_000));
    const r = await dispatcher.dispatch(inv(alice, '/bump a'));
    expect(r.reply.context).toMatch(/expires in 10 min/);
    const done = await later.dispatch(click(bob, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('invalid');
    expect(done.reply.title).toBe('Confirmation expired');
    expect(executions).toEqual([]);
  });

  it('a confirmation the store already counts as expired (its clock ahead of ours) is refused the same way', async () => {
    // This dispatcher's clock is 20 minutes behind the database's: the card's 10 minutes are over
    // for the store while this process still thinks they are running.
    const behind = new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics, () => new Date(Date.now() - 20 * 60_000));
    const r = await behind.dispatch(inv(alice, '/bump a'));
    const done = await behind.dispatch(click(bob, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('invalid');
    expect(done.reply.title).toBe('Confirmation expired');
    expect(executions).toEqual([]);
  });

  it('records how long each command took, and counts a Re-check click under the command it runs', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/health'));
    const [row] = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(row!.durationMs).toEqual(expect.any(Number));
    await dispatcher.dispatch(click(alice, 'run:/health'));
    const text = await app.metrics.registry.metrics();
    expect(text).toMatch(/firebreak_commands_total\{command="health",outcome="ok"\} 2/);
    expect(text).not.toMatch(/command="run"/);
  });

  it('runs a confirm clicked twice at once exactly once', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump a'));
    const id = r.reply.buttons![0]!.actionId;
    const results = await Promise.all([dispatcher.dispatch(click(alice, id)), dispatcher.dispatch(click(bob, id))]);
    expect(executions).toEqual(['a']);
    expect(results.map((x) => x.status).sort()).toEqual(['denied', 'ok']);
  });

  it('tells the second requester the target is busy, and runs different targets in parallel', async () => {
    const a1 = await dispatcher.dispatch(inv(alice, '/bump a'));
    const a2 = await dispatcher.dispatch(inv(bob, '/bump a'));
    const first = dispatcher.dispatch(click(alice, a1.reply.buttons![0]!.actionId));
    await new Promise((r) => setTimeout(r, 10));
    const second = await dispatcher.dispatch(click(bob, a2.reply.buttons![0]!.actionId));
    expect(second.reply.title).toBe('Already running');
    expect(second.reply.text).toMatch(/already running, started by alice at \d{4}-/);
    await first;
    expect(executions).toEqual(['a']);
    // the busy confirmation is still usable once the first has finished
    const retry = await dispatcher.dispatch(click(bob, a2.reply.buttons![0]!.actionId));
    expect(retry.status).toBe('ok');
    expect(executions).toEqual(['a', 'a']);
  });

  it('denies users without the role, and records the denial', async () => {
    const r = await dispatcher.dispatch(inv(mallory, '/bump a'));
    expect(r.status).toBe('denied');
    expect(r.reply.text).toContain('needs the "responders" role');
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command.denied', 'denied']]);
  });

  it('requires a second person for second-person approvals, even with --yes', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump b', { autoConfirm: true }));
    expect(r.status).toBe('pending');
    expect(r.reply.text).toContain('second person');
    const self = await dispatcher.dispatch(click(alice, r.reply.buttons![0]!.actionId));
    expect(self.status).toBe('denied');
    expect(executions).toEqual([]);
    const other = await dispatcher.dispatch(click(bob, r.reply.buttons![0]!.actionId));
    expect(other.status).toBe('ok');
    expect(executions).toEqual(['b']);
  });

  it('--yes confirms at once for someone who may confirm alone', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump a', { autoConfirm: true }));
    expect(r.status).toBe('ok');
    expect(executions).toEqual(['a']);
  });

  it('cancel runs nothing and a later confirm is refused', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump a'));
    const [confirm, cancel] = r.reply.buttons!;
    expect((await dispatcher.dispatch(click(bob, cancel!.actionId))).status).toBe('cancelled');
    const late = await dispatcher.dispatch(click(alice, confirm!.actionId));
    expect(late.status).toBe('invalid');
    expect(late.reply.text).toContain('already cancelled by bob');
    expect(executions).toEqual([]);
  });

  it('rejects bad arguments with the schema message and usage', async () => {
    const r = await dispatcher.dispatch(inv(alice, '/bump zzz'));
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('target: target must be a or b. Usage: /bump TARGET');
    expect(executions).toEqual([]);
  });
});
