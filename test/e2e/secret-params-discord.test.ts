import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { discordModalProblems, startFakeDiscordApi, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, modalSubmitInteraction, type DiscordSigner } from '../fakes/discord-signing.js';
import { configFrom, testRuntime } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-secret-fake';
const GUILD = '900000000000000001';
const alice = { id: '111111111111111111', username: 'alice' };
const bob = { id: '222222222222222222', username: 'bob' };
const incidents = { id: '500000000000000001', name: 'incidents' };
const WAIT_MS = 60_000;
const NEW_KEY = 'sk-discordKey7Pl2Mk5Nj8';
const NEEDLE = 'discordKey7Pl2Mk5Nj8';

type Response = { type: number; data?: { custom_id?: string; title?: string; components?: { components: { custom_id: string; label?: string }[] }[]; embeds?: { title?: string; fields?: { name: string; value: string }[] }[] } };

/**
 * Runbook 004's key rotation from Discord: `/run rotate-key` is answered with a MODAL (type 9), its
 * MODAL_SUBMIT (type 5) runs the action with the key in the tool's environment, and no sink — the
 * interaction responses, the REST calls, the timeline, the log — shows it.
 */
describe('secret params from Discord: a modal, never the channel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-discord-secret-'));
  const envFile = join(dir, 'env.json');
  const logLines: string[] = [];
  const responses: string[] = [];
  let signer: DiscordSigner;
  let fake: FakeDiscordApi;
  let running: Running;
  let endpoint: string;

  async function post(payload: { token: string; channel_id?: string; message?: { id: string } }): Promise<Response> {
    fake.trackInteraction(payload);
    const body = JSON.stringify(payload);
    const res = await fetch(endpoint, { method: 'POST', headers: signer.headers(body), body });
    const text = await res.text();
    responses.push(text);
    expect(res.status).toBe(200);
    return JSON.parse(text) as Response;
  }

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, guildId: GUILD, channels: [incidents] });
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir: join(dir, 'data'), logLevel: 'debug', discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom(`
chat:
  incidents_channel: incidents
roles:
  responders: ["discord:alice", "discord:bob"]
actions:
  rotate-key:
    description: Rotate the OpenAI key (runbook 004)
    confirm: two_person
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    env: { OPENAI_API_KEY: "{new_key}" }
    argv: [node, test/fakes/record-env.mjs, "${envFile}"]
`),
      { host: '127.0.0.1', logDestination: sink },
    );
    endpoint = `http://127.0.0.1:${running.http.port}/discord/interactions`;
  }, 120_000);
  afterAll(async () => {
    await running?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with a modal, runs with the submitted key in env after a second person confirms, and shows it nowhere', { timeout: 180_000 }, async () => {
    const modal = await post(commandInteraction(APP_ID, 'run', [{ name: 'action', type: 3, value: 'rotate-key' }, { name: 'params', type: 3, value: 'store=store-7' }], { user: alice, channel: incidents }));
    expect(discordModalProblems(modal as { type: number; data?: Record<string, unknown> })).toEqual([]);
    expect(modal.data!.components!.map((r) => [r.components[0]!.custom_id, r.components[0]!.label])).toEqual([['new_key', 'new_key: the new OpenAI key']]);

    // What alice sees: the card at once, or (past the fast window on a loaded machine) the deferred message once edited.
    const submit = modalSubmitInteraction(APP_ID, modal.data!.custom_id!, { new_key: NEW_KEY }, { user: alice, channel: incidents });
    const shown = JSON.stringify(await fake.answerOf(submit, await post(submit), { timeoutMs: WAIT_MS }));
    expect(shown).toContain('Run rotate-key with store=store-7?');
    expect(shown).toContain('•••••• (given privately)');
    const confirmId = /"custom_id":"(confirm:[^"]+)"/.exec(shown)![1]!;

    // Two people: alice asked, so alice cannot confirm.
    const selfClick = buttonInteraction(APP_ID, confirmId, { user: alice, channel: incidents });
    const self = await fake.answerOf(selfClick, await post(selfClick), { timeoutMs: WAIT_MS });
    expect(JSON.stringify(self)).toContain('someone else with the');
    expect(existsSync(envFile)).toBe(false);
    await post(buttonInteraction(APP_ID, confirmId, { user: bob, channel: incidents }));
    await waitFor(() => existsSync(envFile) || undefined, WAIT_MS, 'the tool to run');
    expect((JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>).OPENAI_API_KEY).toBe(NEW_KEY);

    const finished = async () => JSON.stringify(await running.app.db.query("SELECT * FROM timeline_events WHERE kind = 'action.finished'")).includes('rotate-key');
    await waitFor(async () => (await finished()) || undefined, WAIT_MS, 'the result to be recorded');
    expect(logLines.length).toBeGreaterThan(0);
    for (const [sinkName, text] of Object.entries({
      // The MODAL_SUBMIT request itself carried the key; what Firebreak answered must not.
      responses: responses.join('\n'),
      rest: JSON.stringify(fake.calls),
      timeline: JSON.stringify(await running.app.db.query('SELECT * FROM timeline_events')),
      confirmations: JSON.stringify(await running.app.db.query('SELECT * FROM confirmations')),
      log: logLines.join(''),
    })) {
      expect(text.includes(NEEDLE), `${sinkName} holds the secret`).toBe(false);
    }
  });
});
