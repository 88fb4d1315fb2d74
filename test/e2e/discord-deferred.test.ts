import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDiscordRest } from '../../src/chat/discord/discord-rest.js';
import { rawArgsFromOptions, registerDiscordInteractions } from '../../src/chat/discord/interactions-endpoint.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { defineCommand, type AnyCommandSpec } from '../../src/core/spec.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { Coordination } from '../../src/core/ports.js';
import type { App } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { silentLogger, testApp } from '../support/app.js';

const APP_ID = '1200000000000000009';
const alice = { id: '111', username: 'alice' };
const bob = { id: '222', username: 'bob' };
const incidents = { id: '500', name: 'incidents' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Commands slower than the defer threshold, built here so the deferred paths are exercised on purpose. */
function slowCommands(executions: string[]): AnyCommandSpec[] {
  return [
    defineCommand({
      name: 'deploy',
      summary: 'slow with progress',
      usage: '/deploy SERVICE',
      params: [{ name: 'service', description: 'which', type: 'string', required: true }],
      args: z.object({ service: z.string() }),
      mutating: false,
      async run(ctx, args) {
        await ctx.progress({ title: `Deploying ${args.service}: step 1 of 2`, status: 'pending' });
        await sleep(400);
        await ctx.progress({ title: `Deploying ${args.service}: step 2 of 2`, status: 'pending' });
        await sleep(400);
        return { status: 'ok', reply: { title: `Deployed ${args.service}`, status: 'ok' } };
      },
    }),
    defineCommand({
      name: 'lookup',
      summary: 'slow and then refuses',
      usage: '/lookup NAME',
      params: [{ name: 'name', description: 'what', type: 'string', required: true }],
      args: z.object({ name: z.string() }),
      mutating: false,
      async run(_ctx, args) {
        await sleep(600);
        return { status: 'invalid', reply: { title: 'Unknown name', status: 'error', text: `No ${args.name} here.`, ephemeral: true } };
      },
    }),
    defineCommand({
      name: 'bump',
      summary: 'mutating and slow to execute',
      usage: '/bump TARGET',
      params: [{ name: 'target', description: 'what', type: 'string', required: true }],
      args: z.object({ target: z.string() }),
      mutating: true,
      async run(_ctx, args) {
        return { status: 'confirm', plan: { action: 'bump', payload: { target: args.target }, title: `Bump ${args.target}?`, lease: `t:${args.target}`, role: 'responders' } };
      },
      async execute(_ctx, step) {
        await sleep(600);
        executions.push(String(step.payload.target));
        return { status: 'ok', reply: { title: `Bumped ${String(step.payload.target)}`, status: 'ok' } };
      },
    }),
    defineCommand({
      name: 'opts',
      summary: 'echoes raw options',
      usage: '/opts',
      subcommands: [
        { name: 'set', summary: 'set things', params: [{ name: 'count', description: 'n', type: 'integer' }, { name: 'force', description: 'f', type: 'boolean' }, { name: 'pairs', description: 'k=v', type: 'string', rest: true }] },
      ],
      params: [],
      args: z.object({ subcommand: z.literal('set'), count: z.coerce.number().int().optional(), force: z.boolean().optional(), pairs: z.array(z.string()).default([]) }),
      mutating: false,
      async run(_ctx, args) {
        return { status: 'ok', reply: { title: 'opts', status: 'info', text: JSON.stringify(args) } };
      },
    }),
  ];
}

describe('Discord deferred answers: progress, ephemeral results and slow buttons', () => {
  let app: App;
  let fake: FakeDiscordApi;
  let http: RunningServer;
  let signer: DiscordSigner;
  let registry: CommandRegistry;
  const executions: string[] = [];

  beforeAll(async () => {
    app = await testApp(`roles:\n  responders: ["discord:alice", "discord:bob"]\n`);
    fake = await startFakeDiscordApi({ botToken: 'unused' });
    signer = discordSigner();
    registry = new CommandRegistry([...app.ports.registry.list(), ...slowCommands(executions)]);
    const ports = { ...app.ports, registry };
    const router = new Router();
    registerDiscordInteractions(router, {
      publicKey: signer.publicKeyHex,
      applicationId: APP_ID,
      dispatcher: new Dispatcher(app.loaded.config, ports, app.metrics),
      registry,
      coordination: app.coordination,
      rest: createDiscordRest({ apiUrl: fake.apiUrl }),
      logger: silentLogger,
      deferAfterMs: 200,
    });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    await http?.close();
    await fake?.close();
    await app?.close();
  });

  async function post(payload: unknown) {
    const body = JSON.stringify(payload);
    const res = await fetch(`http://127.0.0.1:${http.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    return (await res.json()) as { type: number; data?: { flags?: number; embeds?: { title: string; description?: string }[]; components?: { components: { custom_id: string }[] }[] } };
  }
  const original = (token: string) => `/webhooks/${APP_ID}/${token}/messages/@original`;
  const titleOf = (c: DiscordCall) => (c.body as { embeds: { title: string }[] }).embeds[0]!.title;

  it('defers, shows progress by editing the original, and ends with the result as the last edit', async () => {
    const i = commandInteraction(APP_ID, 'deploy', [{ name: 'service', type: 3, value: 'api' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(i.token) && titleOf(c).includes('Deployed api'));
    const titles = fake.calls.filter((c) => c.method === 'PATCH' && c.route === original(i.token)).map(titleOf);
    expect(titles.at(-1)).toBe('✅ Deployed api');
    expect(titles.slice(0, -1).every((t) => t.includes('Deploying api'))).toBe(true);
    expect(titles.length).toBeGreaterThanOrEqual(2);
  });

  it('sends a slow ephemeral result only to the asker and removes the public "thinking" message', async () => {
    const i = commandInteraction(APP_ID, 'lookup', [{ name: 'name', type: 3, value: 'zed' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    const del = await fake.waitFor((c) => c.method === 'DELETE' && c.route === original(i.token));
    const follow = fake.calls.find((c) => c.method === 'POST' && c.route === `/webhooks/${APP_ID}/${i.token}`)!;
    expect(fake.calls.indexOf(follow)).toBeLessThan(fake.calls.indexOf(del));
    expect((follow.body as { flags: number }).flags).toBe(64);
    expect(titleOf(follow)).toContain('Unknown name');
  });

  it('acknowledges a slow button with a deferred update, then edits the card: running…, then the result', async () => {
    const card = await post(commandInteraction(APP_ID, 'bump', [{ name: 'target', type: 3, value: 'a' }], { user: alice, channel: incidents }));
    expect(card.type).toBe(4);
    const confirmId = card.data!.components![0]!.components[0]!.custom_id;
    const click = buttonInteraction(APP_ID, confirmId, { user: bob, channel: incidents });
    expect(await post(click)).toEqual({ type: 6 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(click.token) && titleOf(c).includes('Bumped a'));
    const edits = fake.calls.filter((c) => c.method === 'PATCH' && c.route === original(click.token));
    expect(edits.map(titleOf)).toEqual(['⏳ Running: Bump a?', '✅ Bumped a']);
    expect((edits.at(-1)!.body as { components: unknown[] }).components).toEqual([]);
    expect(executions).toEqual(['a']);
  });

  it('answers privately that nothing was run when the duplicate check itself fails (coordination down), instead of a 500', async () => {
    const down: Coordination = {
      kind: 'redis',
      claimOnce: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      ping: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      close: () => Promise.resolve(),
    };
    const dispatched: string[] = [];
    const dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics);
    const router = new Router();
    registerDiscordInteractions(router, {
      publicKey: signer.publicKeyHex,
      applicationId: APP_ID,
      dispatcher: { dispatch: (inv, sink) => (dispatched.push(inv.input.kind), dispatcher.dispatch(inv, sink)) },
      registry,
      coordination: down,
      rest: createDiscordRest({ apiUrl: fake.apiUrl }),
      logger: silentLogger,
    });
    const server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    try {
      const before = (await app.ports.timeline.list({ limit: 10_000 })).length;
      const body = JSON.stringify(commandInteraction(APP_ID, 'deploy', [{ name: 'service', type: 3, value: 'api' }], { user: alice, channel: incidents }));
      const res = await fetch(`http://127.0.0.1:${server.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { type: number; data: { content: string; flags: number } };
      expect(answer.type).toBe(4);
      expect(answer.data.flags).toBe(64);
      expect(answer.data.content).toMatch(/^Firebreak could not check whether this interaction was already delivered.*nothing was run/);
      expect(dispatched).toEqual([]);
      expect((await app.ports.timeline.list({ limit: 10_000 })).length).toBe(before);
    } finally {
      await server.close();
    }
  });

  it('turns sub-command options, integers, booleans and a rest text box into the raw args the text parser would build', async () => {
    const raw = rawArgsFromOptions(registry, 'opts', [
      { name: 'set', type: 1, options: [{ name: 'count', type: 4, value: 3 }, { name: 'force', type: 5, value: true }, { name: 'pairs', type: 3, value: 'a=1 note="two words"' }] },
    ]);
    expect(raw).toEqual({ subcommand: 'set', count: '3', force: true, pairs: ['a=1', 'note=two words'] });
    const r = await post(commandInteraction(APP_ID, 'opts', [{ name: 'set', type: 1, options: [{ name: 'count', type: 4, value: 3 }] }], { user: alice, channel: incidents }));
    expect(r.data!.embeds![0]!.description).toBe('{"subcommand":"set","count":3,"pairs":[]}');
  });
});
