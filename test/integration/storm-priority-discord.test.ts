import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.js';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { configFrom, testRuntime } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-storm-priority-test';
const alice = { id: '111111111111111111', username: 'alice' };
const incidents = { id: '500000000000000001', name: 'incidents' };
const CARDS = 8;
/**
 * The channel's budget during the storm: two messages, then nothing for WINDOW_MS. That long window
 * is what makes the premise hold by construction rather than by a quick machine: once the first two
 * cards are out the other six wait a whole window, however slowly this machine answers the person
 * (a window of 1 s let a loaded machine post every card before its answer). Once the answer is in,
 * the budget is raised so the rest drain after that window instead of two per window.
 */
const WINDOW_MS = 15_000;
const BUDGET = 2;
const card = (i: number): Reply => ({ title: `Firing: HighErrorRate (svc-${i})`, status: 'error', text: `storm card ${i}` });

/**
 * An alert storm fills #incidents' queue on Discord (the fake limits a channel to two bot messages a
 * window, in X-RateLimit headers that discord.js waits on, and 429 beyond) and a person types /health
 * there. Discord answers a person through the interaction itself (its HTTP response, or the
 * interaction's webhook after a deferral), which the channel's limit does not hold: the answer must
 * come while most cards still wait. The cards go through the Discord chat port as the outbox worker
 * sends them (priority 'system'), several at once as several lanes or replicas do.
 */
describe('a person first during an alert storm (Discord)', () => {
  let running: Running;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let dataDir: string;

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents], channelMessageLimit: { count: BUDGET, windowMs: WINDOW_MS } });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-storm-'));
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom('chat:\n  incidents_channel: incidents\n  workspaces: { discord: ["900000000000000001"] }\n'),
      { host: '127.0.0.1' },
    );
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await fake?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const isCard = (c: DiscordCall) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages` && c.status === 200 && JSON.stringify(c.body).includes('storm card');
  const cardsPosted = () => fake.calls.filter(isCard).length;

  it('answers a command typed in #incidents while most of the alert cards queued there still wait', async () => {
    const chat = running.platforms.get('discord')!.chat;
    // The storm's first card: from its answer discord.js knows the channel's bucket, so every later
    // message to the channel as the bot waits in that bucket's one queue.
    await chat.postMessage({ id: incidents.id }, card(0), { priority: 'system' });
    const cards = Array.from({ length: CARDS - 1 }, (_, i) => chat.postMessage({ id: incidents.id }, card(i + 1), { priority: 'system' }));
    // The storm is on: the bucket is spent and the rest of the cards wait for the next window.
    await waitFor(() => cardsPosted() >= BUDGET, 20_000, 'the first cards posted');

    const interaction = commandInteraction(APP_ID, 'health', [], { user: alice, channel: incidents });
    fake.trackInteraction({ token: interaction.token, channel_id: incidents.id });
    const body = JSON.stringify(interaction);
    const res = await fetch(`http://127.0.0.1:${running.http.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    expect(res.status).toBe(200);
    const response = (await res.json()) as { type: number; data?: { embeds?: { title?: string }[] } };
    let cardsBeforeAnswer = cardsPosted();
    if (response.type === 5) {
      // Deferred: the answer comes later, wherever Firebreak shows it (the interaction's webhook, as it should).
      await fake.waitFor((c) => c.status === 200 && (c.method === 'PATCH' || c.method === 'POST') && JSON.stringify(c.body).includes('Health'), 60_000);
      cardsBeforeAnswer = cardsPosted();
    } else {
      expect(response.type).toBe(4);
      expect(response.data?.embeds?.[0]?.title ?? '').toMatch(/Health/);
    }
    expect(CARDS - cardsBeforeAnswer, `cards still waiting when the answer came (${cardsBeforeAnswer} of ${CARDS} were posted)`).toBeGreaterThanOrEqual(CARDS - 4);

    // Every card is still posted, none lost, each once (after this window, at a storm's end's pace).
    fake.setChannelMessageLimit({ count: 50, windowMs: 1000 });
    await Promise.all(cards);
    expect(cardsPosted()).toBe(CARDS);
  }, 20_000 + 60_000 + 2 * WINDOW_MS + 30_000);
});
