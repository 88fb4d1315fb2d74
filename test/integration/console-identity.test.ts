import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPorts } from '../../src/app/ports.js';
import { z } from 'zod';
import { consoleActor, consoleUserFor } from '../../src/chat/console/identity.js';
import { forwardToServer } from '../../src/chat/console/remote-client.js';
import { newConsoleToken, registerRemoteConsole } from '../../src/chat/console/remote-endpoint.js';
import { Dispatcher, type Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { defineCommand, type AnyCommandSpec } from '../../src/core/spec.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { App } from '../../src/main.js';
import { builtInDefaultConfig } from '../../src/config/load.js';
import { configFrom, consoleChan, silentLogger, testApp, testRuntime } from '../support/app.js';

/** A step that needs a second person, like a restore: records what it was asked to run. */
function restoreLike(executions: string[]): AnyCommandSpec {
  return defineCommand({
    name: 'wipe',
    summary: 'test',
    usage: '/wipe',
    params: [],
    args: z.object({}),
    mutating: true,
    async run() {
      return { status: 'confirm', plan: { action: 'wipe', payload: {}, title: 'Wipe db?', argv: ['wipe'], lease: 'db:app', role: 'admins', approval: 'second-person' } };
    },
    async execute() {
      executions.push('wipe');
      return { status: 'ok', reply: { title: 'Wiped', status: 'ok' } };
    },
  });
}

const CONFIG = `
roles:
  admins: ["console:alice", "console:bob"]
`;

describe('the second person on the console is another OS account', () => {
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;
  const executions: string[] = [];
  const ask = (actor: Actor): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text: '/wipe' } });
  const press = (actor: Actor, actionId: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

  beforeAll(async () => {
    app = await testApp(CONFIG);
    dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, registry: new CommandRegistry([...app.ports.registry.list(), restoreLike(executions)]) }, app.metrics);
  });
  afterAll(() => app.close());

  it('--as bob from the requester\'s OS account is refused in one sentence; bob at his own account confirms', async () => {
    const card = await dispatcher.dispatch(ask(consoleActor('alice', 'alice')));
    expect(card.status).toBe('pending');
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;

    const sameAccount = await dispatcher.dispatch(press(consoleActor('bob', 'alice'), confirm));
    expect(sameAccount.status).toBe('denied');
    expect(sameAccount.reply.text).toBe('A second person must confirm: you (OS user alice) requested this as alice, and --as does not make you someone else. Nothing was run.');
    expect(executions).toEqual([]);
    // The refusal is on the timeline with the OS account behind the --as name.
    const [refused] = await app.ports.timeline.list({ invocationId: sameAccount.invocationId });
    expect(refused).toMatchObject({ kind: 'command.denied', actor: { id: 'bob' }, detail: { osUser: 'alice' } });

    const other = await dispatcher.dispatch(press(consoleActor('bob', 'bob'), confirm));
    expect(other.status).toBe('ok');
    expect(executions).toEqual(['wipe']);
  });

  it('a request made with --as is refused to its own OS account too, whichever name confirms', async () => {
    const card = await dispatcher.dispatch(ask(consoleActor('bob', 'alice')));
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    const byAlice = await dispatcher.dispatch(press(consoleActor('alice', 'alice'), confirm));
    expect(byAlice.status).toBe('denied');
    expect(byAlice.reply.text).toContain('you (OS user alice) requested this as bob');
    expect(executions).toEqual(['wipe']);
  });

  it('the console user is the OS account unless console.allow_as is set', () => {
    expect(consoleUserFor(undefined, 'alice', false)).toEqual({ name: 'alice' });
    expect(consoleUserFor('alice', 'alice', false)).toEqual({ name: 'alice' });
    expect(consoleUserFor('bob', 'alice', false)).toEqual({ refusal: '--as bob is not allowed: the console user is your OS user (alice) unless the config sets console.allow_as: true.' });
    expect(consoleUserFor('bob', 'alice', true)).toEqual({ name: 'bob' });
  });

  it('the built-in default (no config file) allows --as; a config must opt in', () => {
    expect(builtInDefaultConfig(testRuntime()).config.console.allow_as).toBe(true);
    expect(configFrom('roles: {}\n').config.console.allow_as).toBe(false);
    expect(configFrom('console:\n  allow_as: true\n').config.console.allow_as).toBe(true);
  });
});

describe("the running server's console endpoint decides --as by its own config", () => {
  let app: App;
  let strict: RunningServer;
  let demo: RunningServer;
  const token = newConsoleToken();

  beforeAll(async () => {
    app = await testApp(CONFIG);
    const serve = (allowAs: boolean) => {
      const router = new Router();
      registerRemoteConsole(router, { dispatcher: app.dispatcher, messages: app.consoleMessages, port: app.chat.get('console')!, allowAs }, token);
      return startHttpServer(router, 0, silentLogger, '127.0.0.1');
    };
    strict = await serve(false);
    demo = await serve(true);
  });
  afterAll(async () => {
    await strict?.close();
    await demo?.close();
    await app.close();
  });

  it('without console.allow_as another name is refused and nothing runs; as oneself, or where allowed, it runs', async () => {
    const info = (s: RunningServer) => ({ pid: process.pid, port: s.port, token });
    const before = (await app.ports.timeline.list()).length;
    expect(await forwardToServer(info(strict), { as: 'bob', osUser: 'alice', text: '/help', yes: false })).toEqual({
      kind: 'refused',
      message: '--as bob is not allowed: the console user is your OS user (alice) unless the config sets console.allow_as: true.',
    });
    expect(await app.ports.timeline.list()).toHaveLength(before);

    const herself = await forwardToServer(info(strict), { as: 'alice', osUser: 'alice', text: '/help', yes: false });
    expect(herself).toMatchObject({ kind: 'result', result: { status: 'ok' } });
    const allowed = await forwardToServer(info(demo), { as: 'bob', osUser: 'alice', text: '/help', yes: false });
    expect(allowed).toMatchObject({ kind: 'result', result: { status: 'ok' } });
    const [event] = await app.ports.timeline.list({ invocationId: allowed.kind === 'result' ? allowed.result.invocationId : '' });
    expect(event).toMatchObject({ actor: { id: 'bob' }, detail: { osUser: 'alice' } });
  });
});
