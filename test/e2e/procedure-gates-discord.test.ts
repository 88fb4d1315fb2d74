import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { configFrom, testRuntime } from '../support/app.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-fake-xyz';
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');
const alice = { id: '111111111111111111', username: 'alice' };
const bob = { id: '222222222222222222', username: 'bob' };
const incidents = { id: '500000000000000001', name: 'incidents' };
const WAIT_MS = 60_000;

interface Card {
  content?: string;
  flags?: number;
  embeds?: { title?: string; description?: string; fields?: { name: string; value: string }[]; footer?: { text: string } }[];
  components?: { components: { custom_id: string; label: string }[] }[];
}
interface Callback {
  type: number;
  data?: Card;
}

/**
 * A procedure's gates from Discord: Approve / Reject / Done clicked on the card, by someone without
 * the procedure's role (refused, nothing moves) and by someone with it; every click edits the same
 * message. A slow step shows ⏳ running in an edit of that message before the final card.
 */
describe('procedure gates and step-by-step edits on Discord', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-proc-gates-discord-'));
  let running: Running;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let endpoint: string;
  let seq = 0;

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents] });
    const yaml = `
chat:
  incidents_channel: incidents
  workspaces: { discord: ["900000000000000001"] }
roles:
  responders: ["discord:${alice.id}", "discord:${bob.id}"]
  gatekeepers: ["discord:${alice.id}"]
actions:
  slow:
    description: Takes two seconds
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(join(dir, 'marker'))}, "2"]
    timeout_s: 60
procedures:
  gated:
    description: Ask, then do by hand
    role: gatekeepers
    steps:
      - approve: "ok?"
      - manual: "tell them"
  slowly:
    description: One slow step
    steps:
      - { name: slow one, run: "/run slow" }
`;
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir: join(dir, 'data'), discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom(yaml),
      { host: '127.0.0.1' },
    );
    endpoint = `http://127.0.0.1:${running.http.port}/discord/interactions`;
  }, 120_000);
  afterAll(async () => {
    await running?.close();
    await fake?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function post(payload: { token: string; channel_id?: string; message?: { id: string } }): Promise<Callback> {
    fake.trackInteraction(payload);
    const body = JSON.stringify(payload);
    const res = await fetch(endpoint, { method: 'POST', headers: signer.headers(body), body });
    expect(res.status).toBe(200);
    const text = await res.text();
    return (text ? JSON.parse(text) : {}) as Callback;
  }
  const titleOf = (c: Card | undefined) => c?.embeds?.[0]?.title ?? '';
  const labelsOf = (c: Card | undefined) => c?.components?.flatMap((r) => r.components.map((b) => b.label)) ?? [];
  /** Edits of the card message: by a click's @original (the clicked message) or the bot's message edit. */
  const editsOfCard = (cardId: string, tokens: Set<string>) => (c: DiscordCall) =>
    c.method === 'PATCH' && c.status === 200 && (c.route === `/channels/${incidents.id}/messages/${cardId}` || [...tokens].some((t) => c.route === `/webhooks/${APP_ID}/${t}/messages/@original`));

  /** One card message the test clicks on; `state` is what it shows now. */
  function cardMessage(id: string) {
    const tokens = new Set<string>();
    let state: Card | undefined;
    return {
      id,
      get state() {
        return state;
      },
      set(c: Card) {
        state = c;
      },
      edits: () => fake.calls.filter(editsOfCard(id, tokens)),
      /** Clicks a button by label; resolves with the card once its title matches `until`. */
      async click(label: string, user: typeof alice, until: RegExp): Promise<Card> {
        const b = state?.components?.flatMap((r) => r.components).find((x) => x.label === label);
        if (!b) throw new Error(`no ${label} button on "${titleOf(state)}": ${labelsOf(state).join(', ')}`);
        const click = buttonInteraction(APP_ID, b.custom_id, { user, channel: incidents, messageId: id });
        tokens.add(click.token);
        // Only this click's edits (and the bot's) made after it: an earlier click's late edit shows an earlier state.
        const from = fake.calls.length;
        const r = await post(click);
        // An immediate answer that is a new message (type 4) would not be the same card.
        expect([6, 7], `${label} edits the card it is on`).toContain(r.type);
        if (r.type === 7 && until.test(titleOf(r.data))) return (state = r.data!);
        const edit = await fake.waitFor((c) => fake.calls.indexOf(c) >= from && editsOfCard(id, new Set([click.token]))(c) && until.test(titleOf(c.body as Card)), WAIT_MS);
        return (state = edit.body as Card);
      },
    };
  }

  /** Types /procedure NAME and confirms the card; the card message is then driven by clicks. */
  async function start(name: string, until: RegExp) {
    const i = commandInteraction(APP_ID, 'procedure', [{ name: 'name', type: 3, value: name }], { user: alice, channel: incidents });
    const r = await post(i);
    let first: Card;
    if (r.type === 4) first = r.data!;
    else first = (await fake.waitFor((c) => c.method === 'PATCH' && c.route === `/webhooks/${APP_ID}/${i.token}/messages/@original` && /Run procedure/.test(titleOf(c.body as Card)), WAIT_MS)).body as Card;
    expect(titleOf(first)).toMatch(new RegExp(`Run procedure ${name} `));
    const card = cardMessage(`70000000000000000${++seq}`);
    card.set(first);
    await card.click(labelsOf(first)[0]!, alice, until);
    return card;
  }

  it('Approve refused without the role, then approved and Done by someone with it, on the same message; Reject offers Retry / Skip / Abort', async () => {
    const card = await start('gated', /Procedure gated: step 1 of 2 waits for a person$/);
    expect(labelsOf(card.state)).toEqual(['Approve', 'Reject', 'Abort']);
    expect(JSON.stringify(card.state)).toContain('ok?');

    // Bob lacks gatekeepers: told so privately; the card still waits at step 1 (a redraw may happen, an advance may not).
    const editsBefore = card.edits().length;
    const b = card.state!.components!.flatMap((r) => r.components).find((x) => x.label === 'Approve')!;
    const refusedClick = buttonInteraction(APP_ID, b.custom_id, { user: bob, channel: incidents, messageId: card.id });
    const refused = await post(refusedClick);
    const refusal = refused.type === 4 ? JSON.stringify(refused.data) : JSON.stringify((await fake.waitFor((c) => c.method !== 'GET' && c.route.startsWith(`/webhooks/${APP_ID}/${refusedClick.token}`) && JSON.stringify(c.body).includes('gatekeepers'), WAIT_MS)).body);
    expect(refusal).toContain('gatekeepers');
    await running.platforms.get('discord')?.idle?.();
    for (const e of card.edits().slice(editsBefore)) {
      expect(titleOf(e.body as Card)).toMatch(/Procedure gated: step 1 of 2 waits for a person$/);
      expect(JSON.stringify(e.body)).not.toContain('approved by');
    }
    expect(fake.calls.some((c) => c.method === 'PATCH' && c.route === `/webhooks/${APP_ID}/${refusedClick.token}/messages/@original` && JSON.stringify(c.body).includes('approved by'))).toBe(false);

    await card.click('Approve', alice, /Procedure gated: step 2 of 2 waits for a person$/);
    expect(JSON.stringify(card.state)).toMatch(/approved by (alice|ALICE)/);
    expect(JSON.stringify(card.state)).toContain('tell them');
    expect(labelsOf(card.state)).toEqual(['Done', 'Abort']);

    await card.click('Done', alice, /Procedure gated: all 2 steps done$/);
    expect(JSON.stringify(card.state)).toMatch(/marked done by (alice|ALICE)/);
    expect(labelsOf(card.state)).toEqual([]);

    const second = await start('gated', /waits for a person$/);
    // A deferred click shows "⏳ running step 1 of 2" first: wait for the step's outcome.
    await second.click('Reject', alice, /Procedure gated: step 1 of 2 failed$/);
    expect(labelsOf(second.state)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect(JSON.stringify(second.state)).toMatch(/rejected by (alice|ALICE)/);
    await second.click('Abort', alice, /Procedure gated/);
  }, 180_000);

  it('a slow step shows ⏳ running in an edit of the same message before the final card', async () => {
    const card = await start('slowly', /Procedure slowly: all 1 steps? done$/);
    const edits = card.edits().map((c) => JSON.stringify(c.body));
    const runningAt = edits.findIndex((b) => b.includes('slow one') && b.includes('⏳ running'));
    expect(runningAt, edits.join('\n---\n')).toBeGreaterThanOrEqual(0);
    expect(runningAt).toBeLessThan(edits.length - 1);
    expect(edits.at(-1)).toContain('slept 2 s');
  }, 180_000);
});
