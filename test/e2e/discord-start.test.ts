import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscord } from '../../src/chat/discord/start.js';
import { DISCORD_INTERACTIONS_PATH } from '../../src/chat/discord/interactions.js';
import type { Logger } from '../../src/core/ports.js';
import { Router } from '../../src/http/router.js';
import { startFirebreak, type App } from '../../src/main.js';
import { configFrom, testApp, testRuntime } from '../support/app.js';
import { commandInteraction, discordSigner } from '../fakes/discord-signing.js';
import { startFakeDiscordApi } from '../fakes/discord-api.js';
import { startHttpRecorder } from '../fakes/http-recorder.js';

const APP_ID = '1200000000000000005';
const CONFIG = 'chat: { incidents_channel: incidents }\n';

function capturingLogger() {
  const lines: { level: string; msg: string }[] = [];
  const at = (level: string) => (_obj: object, msg?: string) => void lines.push({ level, msg: msg ?? '' });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('Discord start-up with a malformed DISCORD_PUBLIC_KEY', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(CONFIG);
  });
  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['too short', 'abc123'],
    ['not hex', 'z'.repeat(64)],
    ['a base64 key pasted instead of hex', Buffer.alloc(32, 7).toString('base64')],
  ])('%s: one error line naming DISCORD_PUBLIC_KEY, Discord stays off, nothing throws', (_what, publicKey) => {
    const { logger, lines } = capturingLogger();
    const router = new Router();
    const runtime = testRuntime({ discord: { applicationId: APP_ID, publicKey, botToken: 'x', apiUrl: undefined } });
    const started = startDiscord(router, { runtime, dispatcher: app.dispatcher, ports: app.ports, logger });
    expect(started).toBeNull();
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/^Discord is off: .*DISCORD_PUBLIC_KEY/);
    expect(router.match('POST', DISCORD_INTERACTIONS_PATH)).toBeNull();
  });

  it('a valid key still turns Discord on', () => {
    const { logger } = capturingLogger();
    const router = new Router();
    const runtime = testRuntime({ discord: { applicationId: APP_ID, publicKey: discordSigner().publicKeyHex, botToken: 'x', apiUrl: undefined } });
    expect(startDiscord(router, { runtime, dispatcher: app.dispatcher, ports: app.ports, logger })).not.toBeNull();
    expect(router.match('POST', DISCORD_INTERACTIONS_PATH)).not.toBeNull();
  });

  it('the whole process still starts and serves HTTP; /discord/interactions is simply not there', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-badkey-'));
    const running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: APP_ID, publicKey: 'not-a-key', botToken: undefined, apiUrl: undefined } }),
      configFrom(CONFIG),
      { host: '127.0.0.1' },
    );
    try {
      expect(running.platforms.get('discord')).toBeUndefined();
      const health = await fetch(`http://127.0.0.1:${running.http.port}/healthz`);
      expect(health.status).toBe(200);
      const discord = await fetch(`http://127.0.0.1:${running.http.port}${DISCORD_INTERACTIONS_PATH}`, { method: 'POST', body: '{}' });
      expect(discord.status).toBe(404);
    } finally {
      await running.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('Discord at shutdown', () => {
  it('close() waits for a deferred command and its final edit reaches Discord before the store closes', async () => {
    const BOT_TOKEN = 'bot-token-shutdown';
    const incidents = { id: '500000000000000001', name: 'incidents' };
    const signer = discordSigner();
    const fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents] });
    // Slower than the 1 s defer threshold, so the command is still running when close() is called.
    const slow = await startHttpRecorder();
    slow.respond(200, '{"status":"ok"}', { delayMs: 2500 });
    const dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-shutdown-'));
    const running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom(`${CONFIG}datastores:\n  slowdb: { type: http, url: "${slow.url}/ping", timeout_ms: 5000 }\n`),
      { host: '127.0.0.1' },
    );
    let closed = false;
    try {
      const i = commandInteraction(APP_ID, 'health', [{ name: 'service', type: 3, value: 'slowdb' }], { user: { id: '111', username: 'alice' }, channel: incidents });
      fake.trackInteraction(i);
      const body = JSON.stringify(i);
      const res = await fetch(`http://127.0.0.1:${running.http.port}${DISCORD_INTERACTIONS_PATH}`, { method: 'POST', headers: signer.headers(body), body });
      expect(await res.json()).toEqual({ type: 5 });
      await running.close();
      closed = true;
      // No waiting after close(): the result must already be there.
      const edits = fake.calls.filter((c) => c.method === 'PATCH' && c.route === `/webhooks/${APP_ID}/${i.token}/messages/@original` && c.status === 200);
      const last = edits.at(-1)?.body as { embeds?: { description?: string }[] } | undefined;
      expect(last?.embeds?.[0]?.description).toContain('slowdb');
    } finally {
      if (!closed) await running.close();
      await slow.close();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
