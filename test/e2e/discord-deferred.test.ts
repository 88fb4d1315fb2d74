import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DiscordChat } from '../../src/chat/discord/chat-port.js';
import { createDiscordRest } from '../../src/chat/discord/api.js';
import { rawArgsFromOptions, registerDiscordInteractions, type DiscordInteractions } from '../../src/chat/discord/interactions.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { defineCommand, type AnyCommandSpec } from '../../src/core/spec.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { Coordination } from '../../src/core/ports.js';
import { FallbackDeliveryClaims } from '../../src/coordination/fallback-claims.js';
import { SqlDeliveryClaimRepository } from '../../src/store/delivery-claim-repository.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { silentLogger, testApp } from '../support/app.js';

const APP_ID = '1200000000000000009';
const alice = { id: '111', username: 'alice' };
const bob = { id: '222', username: 'bob' };
const carol = { id: '333', username: 'carol' };
const dave = { id: '444', username: 'dave' };
const incidents = { id: '500', name: 'incidents' };
const BOT_TOKEN = 'bot-token-for-the-deferred-fake';
/**
 * A fast window longer than any command here takes, however loaded the machine: a result that comes
 * within the window is the HTTP answer itself, and this makes "within" hold by construction.
 */
const PATIENT_WINDOW_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A job that runs until the test lets it finish, like a /backup now that outlasts the 15-minute token. */
const gates = new Map<string, () => void>();
function gate(name: string): Promise<void> {
  return new Promise((resolve) => gates.set(name, resolve));
}
async function release(name: string): Promise<void> {
  while (!gates.has(name)) await sleep(10);
  gates.get(name)!();
}

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
      name: 'longjob',
      summary: 'runs until released',
      usage: '/longjob NAME',
      params: [{ name: 'name', description: 'which gate', type: 'string', required: true }],
      args: z.object({ name: z.string() }),
      mutating: false,
      async run(ctx, args) {
        await ctx.progress({ title: `Working on ${args.name}…`, status: 'pending' });
        await gate(args.name);
        return { status: 'ok', reply: { title: `Long job ${args.name} done`, status: 'ok', text: 'sha256 abc, 1.2 GB' } };
      },
    }),
    defineCommand({
      name: 'secret',
      summary: 'runs until released, then answers privately (like /backup list)',
      usage: '/secret NAME',
      params: [{ name: 'name', description: 'which gate', type: 'string', required: true }],
      args: z.object({ name: z.string() }),
      mutating: false,
      async run(_ctx, args) {
        await gate(args.name);
        return { status: 'ok', reply: { title: `Private list ${args.name}`, status: 'info', text: `only-for-the-asker-${args.name}`, ephemeral: true } };
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
  let registry: CommandRegistry<AppPorts>;
  /** The same endpoint, but interaction tokens count as near expiry after 300 ms. */
  let shortLived: RunningServer;
  /** The same endpoint with a fast window no command here outlasts, even on a loaded machine. */
  let patient: RunningServer;
  let handle: DiscordInteractions;
  const executions: string[] = [];

  beforeAll(async () => {
    app = await testApp(`roles:\n  responders: ["discord:alice", "discord:bob"]\n`);
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents] });
    signer = discordSigner();
    registry = new CommandRegistry([...app.ports.registry.list(), ...slowCommands(executions)]);
    const ports = { ...app.ports, registry };
    const endpoint = async (tokenLifetimeMs?: number, deferAfterMs = 200) => {
      const router = new Router();
      handle = registerDiscordInteractions(router, {
        publicKey: signer.publicKeyHex,
        applicationId: APP_ID,
        dispatcher: new Dispatcher(app.loaded.config, ports, app.metrics),
        registry,
        deliveries: app.ports.deliveries,
        rest: createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }),
        chat: new DiscordChat(createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }), silentLogger, app.ports.redactor),
        logger: silentLogger,
        redactor: app.ports.redactor,
        deferAfterMs,
        tokenLifetimeMs,
      });
      return startHttpServer(router, 0, silentLogger, '127.0.0.1');
    };
    shortLived = await endpoint(300);
    patient = await endpoint(undefined, PATIENT_WINDOW_MS);
    // Last, so `handle` is the main endpoint's.
    http = await endpoint();
  });
  afterAll(async () => {
    for (const open of gates.values()) open();
    await http?.close();
    await shortLived?.close();
    await patient?.close();
    await fake?.close();
    await app?.close();
  });

  async function post(payload: { token: string; channel_id?: string; message?: { id: string } }, server: RunningServer = http) {
    fake.trackInteraction(payload);
    const body = JSON.stringify(payload);
    const res = await fetch(`http://127.0.0.1:${server.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    return (await res.json()) as { type: number; data?: { flags?: number; embeds?: { title: string; description?: string }[]; components?: { components: { custom_id: string }[] }[] } };
  }
  const original = (token: string) => `/webhooks/${APP_ID}/${token}/messages/@original`;
  const titleOfBody = (b: unknown) => (b as { embeds?: { title?: string }[] } | null)?.embeds?.[0]?.title;
  const titleOf = (c: DiscordCall) => titleOfBody(c.body) ?? '';
  type Shown = { content?: string; flags?: number; embeds?: { title: string; description?: string }[]; components?: { components: { custom_id: string }[] }[] };
  /** What the person sees: the immediate answer, or the deferred one once shown (a command may outlast the 200 ms window on a loaded machine). */
  const answerOf = (i: { token: string }, r: { type: number; data?: unknown }, title?: string) => fake.answerOf<Shown>(i, r, { done: (b) => title === undefined || (b.embeds?.[0]?.title ?? '').includes(title) });

  it('answers a command that finishes within the fast window at once: the HTTP answer is the message, nothing is deferred', async () => {
    const i = commandInteraction(APP_ID, 'opts', [{ name: 'set', type: 1, options: [{ name: 'count', type: 4, value: 7 }] }], { user: alice, channel: incidents });
    const r = await post(i, patient);
    expect(r.type).toBe(4);
    expect(r.data!.embeds![0]!.title).toBe('ℹ️ opts');
    expect(r.data!.embeds![0]!.description).toBe('{"subcommand":"set","count":7,"pairs":[]}');
    expect(r.data!.flags).toBeUndefined();
    expect(fake.calls.filter((c) => c.route.includes(i.token))).toEqual([]);
  });

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
    const asked = commandInteraction(APP_ID, 'bump', [{ name: 'target', type: 3, value: 'a' }], { user: alice, channel: incidents });
    const card = await answerOf(asked, await post(asked));
    expect(card.embeds![0]!.title).toContain('Bump a?');
    const confirmId = card.components![0]!.components[0]!.custom_id;
    const click = buttonInteraction(APP_ID, confirmId, { user: bob, channel: incidents });
    expect(await post(click)).toEqual({ type: 6 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(click.token) && titleOf(c).includes('Bumped a'));
    const edits = fake.calls.filter((c) => c.method === 'PATCH' && c.route === original(click.token));
    expect(edits.map(titleOf)).toEqual(['⏳ Running: Bump a?', '✅ Bumped a']);
    expect((edits.at(-1)!.body as { components: unknown[] }).components).toEqual([]);
    expect(executions).toEqual(['a']);
  });

  /** The id of the one message in #incidents that shows this title now. */
  const messageTitled = (title: string): string => {
    const found = [...fake.messages.values()].filter((m) => m.channel_id === incidents.id && titleOfBody(m.body) === title);
    expect(found, `one message titled ${title}`).toHaveLength(1);
    return found[0]!.id;
  };
  const botEdit = (messageId: string, title: string) => (c: DiscordCall) =>
    c.method === 'PATCH' && c.route === `/channels/${incidents.id}/messages/${messageId}` && c.status === 200 && titleOf(c).includes(title);

  it('still delivers the result when the interaction token expires mid-run: Discord refuses it (50027), the bot edits the same message', async () => {
    const i = commandInteraction(APP_ID, 'longjob', [{ name: 'name', type: 3, value: 'nightly' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 200 && titleOf(c).includes('Working on nightly'));
    const messageId = messageTitled('⏳ Working on nightly…');
    fake.expireToken(i.token); // 15 minutes pass
    await release('nightly');
    const done = await fake.waitFor(botEdit(messageId, 'Long job nightly done'));
    expect(done.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    // It tried the token first and Discord refused it, exactly as after 15 minutes.
    const refused = fake.calls.filter((c) => c.route.startsWith(`/webhooks/${APP_ID}/${i.token}`) && c.status === 401);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(titleOfBody(fake.messages.get(messageId)!.body)).toBe('✅ Long job nightly done');
    expect(fake.calls.some((c) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages`)).toBe(false);
  });

  it('switches to the bot token before the token runs out (lifetime injectable), without waiting to be refused', async () => {
    const i = commandInteraction(APP_ID, 'longjob', [{ name: 'name', type: 3, value: 'rollout' }], { user: alice, channel: incidents });
    expect(await post(i, shortLived)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'GET' && c.route === original(i.token) && c.status === 200);
    // The progress lands through the token or, on a slow machine, already as the bot: either is fine here.
    await fake.waitFor((c) => c.method === 'PATCH' && c.status === 200 && titleOf(c).includes('Working on rollout'));
    const messageId = messageTitled('⏳ Working on rollout…');
    await sleep(400); // past the 300 ms lifetime
    // Discord would refuse the token by now too: any late use of it shows as a 401 below.
    fake.expireToken(i.token);
    await release('rollout');
    await fake.waitFor(botEdit(messageId, 'Long job rollout done'));
    const viaToken = fake.calls.filter((c) => c.route === original(i.token) && c.method === 'PATCH');
    expect(viaToken.map(titleOf).some((t) => t.includes('done'))).toBe(false);
    expect(fake.calls.filter((c) => c.route.includes(i.token)).every((c) => c.status !== 401)).toBe(true);
  });

  it('posts the result as a new message mentioning the asker when even the bot cannot edit the original (it was deleted)', async () => {
    const i = commandInteraction(APP_ID, 'longjob', [{ name: 'name', type: 3, value: 'gone' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 200 && titleOf(c).includes('Working on gone'));
    const msg = { id: messageTitled('⏳ Working on gone…') };
    fake.expireToken(i.token);
    fake.deleteMessage(msg.id);
    await release('gone');
    const posted = await fake.waitFor((c) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages` && c.status === 200 && titleOf(c).includes('Long job gone done'));
    const body = posted.body as { content: string; allowed_mentions: { parse: string[]; users: string[] }; flags?: number };
    expect(body.content).toMatch(new RegExp(`^<@${alice.id}> `));
    expect(body.allowed_mentions).toEqual({ parse: [], users: [alice.id] });
    expect(body.flags).toBeUndefined();
    expect(posted.headers.authorization).toBe(`Bot ${BOT_TOKEN}`);
    expect(fake.calls.some((c) => c.method === 'PATCH' && c.route === `/channels/${incidents.id}/messages/${msg.id}` && c.status === 404)).toBe(true);
  });

  it('posts a public result as a new message mentioning the asker when the token is valid but the "thinking…" message was deleted (404)', async () => {
    const i = commandInteraction(APP_ID, 'longjob', [{ name: 'name', type: 3, value: 'deleted' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 200 && titleOf(c).includes('Working on deleted'));
    fake.deleteMessage(messageTitled('⏳ Working on deleted…'));
    await release('deleted');
    const posted = await fake.waitFor((c) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages` && c.status === 200 && titleOf(c).includes('Long job deleted done'));
    expect((posted.body as { content: string }).content).toMatch(new RegExp(`^<@${alice.id}> `));
    // The token still worked; Discord answered Unknown Message for the deleted @original.
    expect(fake.calls.some((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 404)).toBe(true);
    expect(fake.calls.some((c) => c.route.includes(i.token) && c.status === 401)).toBe(false);
  });

  /** Every call outside the asker's DM channel; a private body must never be in one of them (bar the ephemeral follow-up). */
  const publicCalls = (userId: string) => fake.calls.filter((c) => !c.route.startsWith(`/channels/${fake.dmChannelOf(userId) ?? 'none'}/`));
  const dmMessagesOf = (userId: string) => [...fake.messages.values()].filter((m) => m.channel_id === fake.dmChannelOf(userId));
  const contentOf = (b: unknown) => (b as { content?: string }).content ?? '';

  it('after the token expired, a private result goes to the asker by DM and the channel gets only a pointer', async () => {
    const i = commandInteraction(APP_ID, 'secret', [{ name: 'name', type: 3, value: 'expired' }], { user: carol, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'GET' && c.route === original(i.token) && c.status === 200);
    const thinkingId = fake.originalIdOf(i.token)!;
    fake.expireToken(i.token);
    await release('expired');
    const pointer = await fake.waitFor((c) => c.method === 'PATCH' && c.route === `/channels/${incidents.id}/messages/${thinkingId}` && c.status === 200);
    expect(contentOf(pointer.body)).toBe(`<@${carol.id}> /secret finished — the result was sent to you privately (direct message from Firebreak).`);
    expect((pointer.body as { embeds: unknown[] }).embeds).toEqual([]);
    const dm = dmMessagesOf(carol.id);
    expect(dm).toHaveLength(1);
    expect(titleOfBody(dm[0]!.body)).toContain('Private list expired');
    expect(JSON.stringify(dm[0]!.body)).toContain('only-for-the-asker-expired');
    expect(publicCalls(carol.id).some((c) => JSON.stringify(c.body ?? '').includes('only-for-the-asker-expired') && c.status < 300)).toBe(false);
    expect(JSON.stringify([...fake.messages.values()].filter((m) => m.channel_id === incidents.id))).not.toContain('only-for-the-asker-expired');
  });

  it('when the DM is refused too, the channel gets a pointer to the timeline and never the private body', async () => {
    fake.refuseDms(dave.id);
    const i = commandInteraction(APP_ID, 'secret', [{ name: 'name', type: 3, value: 'refused' }], { user: dave, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    await fake.waitFor((c) => c.method === 'GET' && c.route === original(i.token) && c.status === 200);
    const thinkingId = fake.originalIdOf(i.token)!;
    fake.expireToken(i.token);
    await release('refused');
    const pointer = await fake.waitFor((c) => c.method === 'PATCH' && c.route === `/channels/${incidents.id}/messages/${thinkingId}` && c.status === 200);
    expect(contentOf(pointer.body)).toBe(`<@${dave.id}> /secret finished — the result is private and Firebreak could not send it to you directly (allow direct messages from server members, or run it again).`);
    expect(fake.calls.some((c) => c.method === 'POST' && c.route === `/channels/${fake.dmChannelOf(dave.id)}/messages` && c.status === 403)).toBe(true);
    expect(JSON.stringify([...fake.messages.values()])).not.toContain('only-for-the-asker-refused');
  });

  it('when the private follow-up keeps failing with 5xx (token still valid), the result goes by DM instead of being dropped', async () => {
    const i = commandInteraction(APP_ID, 'secret', [{ name: 'name', type: 3, value: 'outage' }], { user: bob, channel: incidents });
    fake.failAlways('POST', new RegExp(`^/webhooks/${APP_ID}/${i.token}$`), 500);
    expect(await post(i)).toEqual({ type: 5 });
    await release('outage');
    const pointer = await fake.waitFor((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 200, 20_000);
    expect(contentOf(pointer.body)).toBe(`<@${bob.id}> /secret finished — the result was sent to you privately (direct message from Firebreak).`);
    expect(fake.calls.some((c) => c.method === 'POST' && c.route === `/webhooks/${APP_ID}/${i.token}` && c.status === 500)).toBe(true);
    const dm = dmMessagesOf(bob.id);
    expect(dm.map((m) => titleOfBody(m.body))).toEqual(['ℹ️ Private list outage']);
    expect(JSON.stringify([...fake.messages.values()].filter((m) => m.channel_id === incidents.id))).not.toContain('only-for-the-asker-outage');
  });

  it('drain gives up after its timeout and names what was still running; a later drain waits for it to be delivered', async () => {
    const i = commandInteraction(APP_ID, 'longjob', [{ name: 'name', type: 3, value: 'stuck' }], { user: alice, channel: incidents });
    expect(await post(i)).toEqual({ type: 5 });
    expect(await handle.drain(100)).toEqual([`/longjob by alice (interaction ${i.id})`]);
    await release('stuck');
    expect(await handle.drain(5_000)).toEqual([]);
    expect(handle.inFlight).toBe(0);
    expect(fake.calls.some((c) => c.method === 'PATCH' && c.route === original(i.token) && c.status === 200 && titleOf(c).includes('Long job stuck done'))).toBe(true);
  });

  it('a slow button whose token has run out edits the clicked card as the bot', async () => {
    const asked = commandInteraction(APP_ID, 'bump', [{ name: 'target', type: 3, value: 'late' }], { user: alice, channel: incidents });
    const card = await answerOf(asked, await post(asked, shortLived));
    const confirmId = card.components![0]!.components[0]!.custom_id;
    const click = buttonInteraction(APP_ID, confirmId, { user: bob, channel: incidents });
    expect(await post(click, shortLived)).toEqual({ type: 6 });
    // bump takes 600 ms, twice the 300 ms token lifetime.
    await fake.waitFor(botEdit(click.message.id, 'Bumped late'));
    expect(titleOfBody(fake.messages.get(click.message.id)!.body)).toBe('✅ Bumped late');
    expect(executions).toContain('late');
  });

  describe('with Redis unreachable', () => {
    const down: Coordination = {
      kind: 'redis',
      claimOnce: () => Promise.reject(new Error('Redis at 127.0.0.1:6379 is unreachable: connect ECONNREFUSED 127.0.0.1:6379')),
      hold: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      takeHeld: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      ping: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
      close: () => Promise.resolve(),
    };
    const dispatched: string[] = [];

    /** The endpoint with Redis down and the given store for delivery keys. */
    async function endpointWith(store: { claim(key: string, ttlMs: number): Promise<boolean> }): Promise<RunningServer> {
      const ports = { ...app.ports, registry };
      const dispatcher = new Dispatcher(app.loaded.config, ports, app.metrics);
      const router = new Router();
      registerDiscordInteractions(router, {
        publicKey: signer.publicKeyHex,
        applicationId: APP_ID,
        dispatcher: { dispatch: (inv, sink) => (dispatched.push(inv.input.kind === 'options' ? inv.input.command : inv.input.kind), dispatcher.dispatch(inv, sink)) },
        registry,
        deliveries: new FallbackDeliveryClaims({ coordination: down, store, registry, buttons: app.ports.buttons, timeline: app.ports.timeline, redactor: app.ports.redactor, logger: silentLogger }),
        rest: createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }),
        chat: new DiscordChat(createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }), silentLogger, app.ports.redactor),
        logger: silentLogger,
        redactor: app.ports.redactor,
        deferAfterMs: 5000,
      });
      return startHttpServer(router, 0, silentLogger, '127.0.0.1');
    }

    it('a read-only command still answers; a retried mutating command and a retried Confirm run once (delivery keys in the store)', async () => {
      const server = await endpointWith(new SqlDeliveryClaimRepository(app.db));
      dispatched.length = 0;
      try {
        const asked = commandInteraction(APP_ID, 'health', [], { user: alice, channel: incidents });
        expect((await answerOf(asked, await post(asked, server))).embeds![0]!.title).toMatch(/Health — /);

        // Discord redelivers the same interaction (same id): one confirmation card, then "already received".
        const bump = commandInteraction(APP_ID, 'bump', [{ name: 'target', type: 3, value: 'redis-down' }], { user: alice, channel: incidents });
        const card = await answerOf(bump, await post(bump, server));
        expect(card.embeds![0]!.title).toContain('Bump redis-down?');
        // Refused before anything runs, so always at once.
        const again = await post(bump, server);
        expect(again.type).toBe(4);
        expect(again.data!.flags).toBe(64);
        expect((again.data as { content?: string }).content).toBe('Firebreak already received this interaction; it runs once.');

        const confirm = buttonInteraction(APP_ID, card.components![0]!.components[0]!.custom_id, { user: bob, channel: incidents });
        // A deferred click shows "⏳ Running" first: the answer is the edit with the result.
        const done = await answerOf(confirm, await post(confirm, server), 'Bumped redis-down');
        expect(done.embeds![0]!.title).toContain('Bumped redis-down');
        await post(confirm, server);
        expect(executions.filter((e) => e === 'redis-down')).toEqual(['redis-down']);
        expect(dispatched).toEqual(['health', 'bump', 'action']);
      } finally {
        await server.close();
      }
    });

    it('when the store cannot take the key either: a mutating command is refused privately, recorded, and not run', async () => {
      const server = await endpointWith({ claim: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) });
      dispatched.length = 0;
      try {
        const payload = commandInteraction(APP_ID, 'bump', [{ name: 'target', type: 3, value: 'nowhere' }], { user: alice, channel: incidents });
        const answer = await post(payload, server);
        expect(answer.type).toBe(4);
        expect(answer.data!.flags).toBe(64);
        expect((answer.data as { content?: string }).content).toMatch(/^Firebreak could not check whether this interaction was already delivered.*nothing was run/);
        expect(dispatched).toEqual([]);
        const refused = (await app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'command.refused');
        expect(refused).toHaveLength(1);
        expect(refused[0]).toMatchObject({ command: 'bump', outcome: 'refused', actor: { id: alice.id }, channel: { id: incidents.id }, detail: { delivery: `discord:interaction:${payload.id}` } });
        expect(String(refused[0]!.detail.reason)).toContain('connect ECONNREFUSED 127.0.0.1:5432');
        // A read-only one is not refused: it runs without the check.
        const asked = commandInteraction(APP_ID, 'health', [], { user: alice, channel: incidents });
        expect((await answerOf(asked, await post(asked, server))).embeds![0]!.title).toMatch(/Health/);
      } finally {
        await server.close();
      }
    });
  });

  it('turns sub-command options, integers, booleans and a rest text box into the raw args the text parser would build', async () => {
    const raw = rawArgsFromOptions(registry, 'opts', [
      { name: 'set', type: 1, options: [{ name: 'count', type: 4, value: 3 }, { name: 'force', type: 5, value: true }, { name: 'pairs', type: 3, value: 'a=1 note="two words"' }] },
    ]);
    expect(raw).toEqual({ subcommand: 'set', count: '3', force: true, pairs: ['a=1', 'note=two words'] });
    const i = commandInteraction(APP_ID, 'opts', [{ name: 'set', type: 1, options: [{ name: 'count', type: 4, value: 3 }] }], { user: alice, channel: incidents });
    expect((await answerOf(i, await post(i))).embeds![0]!.description).toBe('{"subcommand":"set","count":3,"pairs":[]}');
  });
});
