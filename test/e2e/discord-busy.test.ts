import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DiscordChat } from '../../src/chat/discord/chat-port.js';
import { createDiscordRest } from '../../src/chat/discord/api.js';
import { registerDiscordInteractions, type DiscordInteractions } from '../../src/chat/discord/interactions.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { defineCommand } from '../../src/core/spec.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { startFakeDiscordApi, type FakeDiscordApi } from '../fakes/discord-api.js';
import { commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { silentLogger, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const APP_ID = '1200000000000000019';
const alice = { id: '111', username: 'alice' };
const incidents = { id: '500', name: 'incidents' };
const BOT_TOKEN = 'bot-token-for-the-busy-fake';

/** Jobs that run until the test lets them finish. */
const gates = new Map<string, () => void>();
const started: string[] = [];
const holdCommand = defineCommand({
  name: 'hold',
  summary: 'runs until released',
  usage: '/hold NAME',
  params: [{ name: 'name', description: 'which gate', type: 'string', required: true }],
  args: z.object({ name: z.string() }),
  mutating: false,
  async run(_ctx, args) {
    started.push(args.name);
    await new Promise<void>((resolve) => gates.set(args.name, resolve));
    return { status: 'ok', reply: { title: `Held ${args.name} done`, status: 'ok' } };
  },
});

/**
 * Admission control (chat.max_waiting) on Discord: with that many interactions still running, a new
 * slash command is answered at once, only to its sender, with the busy sentence, and nothing of it runs.
 */
describe('Discord: past chat.max_waiting a command is refused as busy', () => {
  let app: App;
  let fake: FakeDiscordApi;
  let http: RunningServer;
  let signer: DiscordSigner;
  let handle: DiscordInteractions;

  beforeAll(async () => {
    app = await testApp('');
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents] });
    signer = discordSigner();
    const registry = new CommandRegistry<AppPorts>([...app.ports.registry.list(), holdCommand]);
    const router = new Router();
    handle = registerDiscordInteractions(router, {
      publicKey: signer.publicKeyHex,
      applicationId: APP_ID,
      dispatcher: new Dispatcher(app.loaded.config, { ...app.ports, registry }, app.metrics),
      registry,
      deliveries: app.ports.deliveries,
      rest: createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }),
      chat: new DiscordChat(createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }), silentLogger, app.ports.redactor),
      logger: silentLogger,
      redactor: app.ports.redactor,
      deferAfterMs: 200,
      maxWaiting: 1,
    });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    for (const open of gates.values()) open();
    await http?.close();
    await fake?.close();
    await app?.close();
  });

  async function post(payload: { token: string; channel_id?: string }) {
    fake.trackInteraction(payload);
    const body = JSON.stringify(payload);
    const res = await fetch(`http://127.0.0.1:${http.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    return (await res.json()) as { type: number; data?: { content?: string; flags?: number } };
  }
  const hold = (name: string) => commandInteraction(APP_ID, 'hold', [{ name: 'name', type: 3, value: name }], { user: alice, channel: incidents });

  it('answers the second command privately with the busy message while the first runs, and runs the next once the first is done', async () => {
    expect(await post(hold('first'))).toEqual({ type: 5 });
    await waitFor(() => gates.has('first'), 20_000, 'the first command to be running');

    const busy = await post(hold('second'));
    expect(busy.type).toBe(4);
    expect(busy.data?.flags).toBe(64);
    expect(busy.data?.content).toBe('Firebreak is busy: 1 command waiting; try again in a few seconds.');

    gates.get('first')!();
    await handle.drain(20_000);
    expect(started).toEqual(['first']);

    expect(await post(hold('third'))).toEqual({ type: 5 });
    await waitFor(() => gates.has('third'), 20_000, 'the third command to be running');
    expect(started).toEqual(['first', 'third']);
    gates.get('third')!();
    await handle.drain(20_000);
  });
});
