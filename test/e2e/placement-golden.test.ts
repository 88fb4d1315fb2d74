import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderPlaced } from '../../src/chat/console/render-placed.js';
import { DiscordChat } from '../../src/chat/discord/chat-port.js';
import { createDiscordRest } from '../../src/chat/discord/api.js';
import { registerDiscordInteractions, type DiscordInteractions } from '../../src/chat/discord/interactions.js';
import { startSlack, type RunningSlack } from '../../src/chat/slack/start.js';
import { ButtonRegistry } from '../../src/core/button-handlers.js';
import { coreButtons } from '../../src/core/buttons/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-api.js';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import { alice as consoleAlice, consoleChan, silentLogger, testApp } from '../support/app.js';
import { expectedSeen, expectGolden, PLACE_CHANNEL, PLACE_KINDS, placeButton, placeCommand, placementCard, release, Tokens, type PlaceKind, type Seen } from '../support/placements.js';
import { clickPayload } from './slack-harness.js';

/**
 * Every placement, pinned per platform: what Firebreak sends when a button handler (a click on a
 * card in #incidents) or a typed command says where its reply goes, quickly and after a deferral.
 * Regenerate after an intended change with UPDATE_GOLDEN=1 and review the diff: these files are
 * what people in the channel see.
 */
// Quick variants must answer within this; slow- variants are held by release(), not by time.
const FAST_MS = 600;
const YAML = 'chat:\n  incidents_channel: incidents\n';

/** Each kind's variants: clicks with and without a source update, quick and deferred; typed commands quick and deferred. */
const clickVariants = (k: PlaceKind) => [k, `${k}+src`, `slow-${k}`, `slow-${k}+src`];
const typedVariants = (k: PlaceKind) => [k, `slow-${k}`];

async function placementApp(): Promise<{ app: App; dispatcher: Dispatcher<AppPorts> }> {
  const app = await testApp(YAML);
  const ports = { ...app.ports, registry: new CommandRegistry([...app.ports.registry.list(), placeCommand]), buttons: new ButtonRegistry([...coreButtons, placeButton]) };
  return { app, dispatcher: new Dispatcher(app.loaded.config, ports, app.metrics) };
}

describe('placements on Slack (signed HTTP against the fake Slack)', () => {
  const BOT_TOKEN = 'xoxb-placement-fake-token';
  const SECRET = 'placement-signing-secret-0123456789';
  const INCIDENTS = { id: 'CINCIDENTS', name: 'incidents' };
  const PLACED = { id: 'CINCPLACED', name: PLACE_CHANNEL };
  const ALICE = { id: 'UALICE', name: 'alice', display_name: 'Alice A' };
  let app: App;
  let fake: SlackFake;
  let slack: RunningSlack;
  let http: RunningServer;

  beforeAll(async () => {
    const built = await placementApp();
    app = built.app;
    fake = await startSlackFake({ botToken: BOT_TOKEN, users: [ALICE], channels: [INCIDENTS, PLACED], perChannelMs: 50 });
    const router = new Router();
    const started = await startSlack(
      { botToken: BOT_TOKEN, signingSecret: SECRET, apiUrl: fake.apiUrl },
      { dispatcher: built.dispatcher, coordination: app.coordination, deliveries: app.ports.deliveries, logger: silentLogger, redactor: app.ports.redactor, router, paceIntervalMs: 60, fastReplyMs: FAST_MS },
    );
    if (!started) throw new Error('Slack did not start');
    slack = started;
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    // A first press and command, not pinned: the cold path (first request through the platform, first
    // query) can exceed the quick window on a busy machine and would make the first golden flaky.
    await warmUp();
  });
  afterAll(async () => {
    await slack?.close();
    await http?.close();
    await fake?.close();
    await app?.close();
  });

  const post = async (body: string) => {
    const res = await fetch(`http://127.0.0.1:${http.port}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signSlack(SECRET, body) }, body });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  };
  const messageCalls = (from: number) => fake.calls.slice(from).filter((c) => c.method.startsWith('chat.') && c.status !== 429);

  /** What Slack received since the marks, without what changes per run. */
  function received(marks: { calls: number; responses: number }, tokens: Tokens) {
    const webApi = messageCalls(marks.calls).map((c) => {
      const { channel, ts, thread_ts, user, text, blocks } = c.args;
      return Object.fromEntries(Object.entries({ method: c.method, error: c.error, channel, ts, thread_ts, user, text, blocks }).filter(([, v]) => v !== undefined));
    });
    const responseUrl = fake.responsePosts.slice(marks.responses).map((p) => p.body);
    return tokens.scrub({ web_api: webApi, response_url: responseUrl }, /\b\d{10}\.\d{6}\b/g, 'ts') as Record<string, unknown>;
  }

  const headerOf = (blocks: unknown) => ((blocks as { type: string; text?: { text: string } }[] | undefined) ?? []).find((b) => b.type === 'header')?.text?.text ?? '(no header)';
  const mark = () => ({ calls: fake.calls.length, responses: fake.responsePosts.length, ephemerals: fake.ephemerals.length, messages: new Set(fake.messages.keys()) });

  /** What each person sees now, from the fake's messages: new ones in each channel, and what went only to the invoker. */
  function seenOnSlack(marks: ReturnType<typeof mark>, cardTs?: string): Seen {
    const seen: Seen = { everyone: [], thread: [], placed: [], invoker: [] };
    if (cardTs) seen.card = headerOf(fake.messages.get(`${INCIDENTS.id}:${cardTs}`)!.blocks);
    for (const [key, m] of fake.messages) {
      if (marks.messages.has(key)) continue;
      if (m.channel === PLACED.id) seen.placed.push(headerOf(m.blocks));
      else if (m.channel === INCIDENTS.id && m.thread_ts === cardTs && cardTs) seen.thread.push(headerOf(m.blocks));
      else if (m.channel === INCIDENTS.id && !m.thread_ts) seen.everyone.push(headerOf(m.blocks));
      else throw new Error(`unexpected message in ${m.channel}`);
    }
    for (const p of fake.responsePosts.slice(marks.responses)) {
      expect(p.body.response_type, 'a response_url post is only ever ephemeral here').toBe('ephemeral');
      seen.invoker.push(headerOf(p.body.blocks));
    }
    for (const e of fake.ephemerals.slice(marks.ephemerals)) seen.invoker.push(headerOf(e.blocks));
    return seen;
  }
  /** Slack keeps a typed command's "running…" message; when the result went elsewhere it says so. */
  const leftover = (arg: string) => (/^slow-(private|channel-quiet)$/.test(arg) ? `ℹ️ /place ${arg} finished` : undefined);

  /** A deferred case shows "running…" before its result: wait for that, then let the result come. */
  async function settle(arg: string, marks: { calls: number }) {
    if (arg.startsWith('slow-')) {
      await fake.waitFor(() => messageCalls(marks.calls).length > 0, 10_000);
      await release(arg);
    }
    await slack.idle();
  }

  async function warmUp() {
    for (const run of [() => click('replace'), () => typed('replace')]) {
      try {
        await run();
      } catch {
        // Only warming up: what it showed is not asserted.
      }
    }
  }

  async function click(arg: string, opts: { withMessage?: boolean } = {}) {
    const card = await slack.chat.postMessage({ id: INCIDENTS.id }, placementCard(arg));
    await slack.idle();
    const shown = fake.messages.get(`${INCIDENTS.id}:${card.messageId}`)!;
    const payload = clickPayload(fake, `place:${arg}`, { channel: INCIDENTS.id, ts: card.messageId }, { user: ALICE, label: 'Press' });
    // As Slack sends it: the clicked message with what it shows.
    if (opts.withMessage !== false) payload.message = { type: 'message', ts: card.messageId, text: shown.text, blocks: shown.blocks };
    else delete payload.message;
    const marks = mark();
    await post(blockActionsBody(payload));
    await settle(arg, marks);
    if (opts.withMessage !== false) expect(seenOnSlack(marks, card.messageId)).toEqual(expectedSeen(arg, { clicked: true }));
    const tokens = new Tokens({ [card.messageId]: 'card-ts' });
    const now = fake.messages.get(`${INCIDENTS.id}:${card.messageId}`)!;
    return { ...received(marks, tokens), card_now: tokens.scrub({ text: now.text, blocks: now.blocks }, /\b\d{10}\.\d{6}\b/g, 'ts') };
  }

  async function typed(arg: string) {
    const trigger = `trigger-${arg}-${Date.now()}`;
    const marks = mark();
    await post(slashCommandBody({ command: '/place', text: arg, user_id: ALICE.id, user_name: ALICE.name, channel_id: INCIDENTS.id, channel_name: INCIDENTS.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) }));
    await settle(arg, marks);
    expect(seenOnSlack(marks)).toEqual(expectedSeen(arg, { clicked: false, leftover: leftover(arg) }));
    return received(marks, new Tokens());
  }

  it.each(PLACE_KINDS)('%s', async (kind) => {
    const golden: Record<string, unknown> = {};
    for (const v of clickVariants(kind)) golden[`click ${v}`] = await click(v);
    for (const v of typedVariants(kind)) golden[`/place ${v}`] = await typed(v);
    expectGolden(`slack/placement-${kind}.json`, golden);
  });

  it('a slow click whose payload did not carry the card leaves a "finished" note on it, not "working…"', async () => {
    const r = await click('slow-thread', { withMessage: false });
    const blocks = (r.card_now as { blocks: { type: string; text?: { text: string } }[] }).blocks;
    expect(headerOf(blocks)).toBe('ℹ️ Press finished');
    expect(blocks.find((b) => b.type === 'section')?.text?.text).toBe('The result is in the thread.');
  });
});

describe('placements on Discord (signed interactions against the fake Discord)', () => {
  const APP_ID = '1200000000000000042';
  const BOT_TOKEN = 'bot-token-for-the-placement-fake';
  const alice = { id: '111', username: 'alice' };
  const incidents = { id: '500', name: 'incidents' };
  const placed = { id: '501', name: PLACE_CHANNEL };
  let app: App;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let chat: DiscordChat;
  let endpoint: DiscordInteractions;
  let http: RunningServer;

  beforeAll(async () => {
    const built = await placementApp();
    app = built.app;
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents, placed] });
    signer = discordSigner();
    const rest = createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN });
    chat = new DiscordChat(rest, silentLogger, app.ports.redactor);
    const router = new Router();
    endpoint = registerDiscordInteractions(router, {
      publicKey: signer.publicKeyHex,
      applicationId: APP_ID,
      dispatcher: built.dispatcher,
      registry: new CommandRegistry([...app.ports.registry.list(), placeCommand]),
      deliveries: app.ports.deliveries,
      rest,
      chat,
      logger: silentLogger,
      redactor: app.ports.redactor,
      deferAfterMs: FAST_MS,
      onGuild: (g) => chat.learnGuild(g),
    });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    // A first press and command, not pinned: the cold path (first request through the platform, first
    // query) can exceed the quick window on a busy machine and would make the first golden flaky.
    await warmUp();
  });
  afterAll(async () => {
    await http?.close();
    await fake?.close();
    await app?.close();
  });

  async function interact(payload: { token: string; channel_id?: string; message?: { id: string } }, arg: string, known: Record<string, string>) {
    fake.trackInteraction(payload);
    const before = fake.calls.length;
    const body = JSON.stringify(payload);
    const res = await fetch(`http://127.0.0.1:${http.port}/discord/interactions`, { method: 'POST', headers: signer.headers(body), body });
    expect(res.status).toBe(200);
    const response = (await res.json()) as unknown;
    if (arg.startsWith('slow-')) await release(arg);
    expect(await endpoint.drain(10_000)).toEqual([]);
    const tokens = new Tokens({ [payload.token]: 'token', [APP_ID]: 'app', ...known });
    const calls = fake.calls.slice(before);
    const rest = calls.map((c) => ({ method: c.method, route: c.route, status: c.status, ...(c.body === undefined || c.body === null ? {} : { body: c.body }) }));
    return { tokens, calls, result: { response, rest } };
  }
  const scrub = (tokens: Tokens, v: unknown) => tokens.scrub(v, /\b\d{17,20}\b/g, 'id');
  type Body = { flags?: number; embeds?: { title?: string }[]; message_reference?: unknown } | undefined;
  const titleOf = (b: unknown) => (b as Body)?.embeds?.[0]?.title ?? '(no embed)';
  const privateBody = (b: unknown) => (((b as Body)?.flags ?? 0) & 64) === 64;

  /**
   * What each person sees now: the interaction's own answer, follow-ups (ephemeral or not), channel
   * messages by where they went, and a typed command's @original as it ended (unless deleted).
   */
  function seenOnDiscord(payload: { token: string }, response: { type?: number; data?: unknown }, calls: DiscordCall[], cardId?: string): Seen {
    const seen: Seen = { everyone: [], thread: [], placed: [], invoker: [] };
    if (cardId) seen.card = titleOf(response.type === 7 ? response.data : fake.messages.get(cardId)?.body);
    if (response.type === 4) (privateBody(response.data) ? seen.invoker : seen.everyone).push(titleOf(response.data));
    for (const c of calls) {
      if (c.method !== 'POST' || c.status !== 200) continue;
      if (c.route === `/webhooks/${APP_ID}/${payload.token}`) (privateBody(c.body) ? seen.invoker : seen.everyone).push(titleOf(c.body));
      else if (c.route === `/channels/${placed.id}/messages`) seen.placed.push(titleOf(c.body));
      else if (c.route === `/channels/${incidents.id}/messages`) ((c.body as Body)?.message_reference ? seen.thread : seen.everyone).push(titleOf(c.body));
      else if (/^\/channels\/\d+\/messages$/.test(c.route)) seen.invoker.push(titleOf(c.body)); // a direct message
    }
    // A typed command's deferred "thinking…" message is public; it ends as whatever was last put in it.
    const original = response.type === 5 ? fake.originalIdOf(payload.token) : undefined;
    const shown = original ? fake.messages.get(original) : undefined;
    if (shown) seen.everyone.unshift(titleOf(shown.body));
    return seen;
  }

  async function warmUp() {
    for (const run of [() => click('replace'), () => typed('replace')]) {
      try {
        await run();
      } catch {
        // Only warming up: what it showed is not asserted.
      }
    }
  }

  async function click(arg: string, opts: { withMessage?: boolean } = {}) {
    const card = await chat.postMessage({ id: incidents.id }, placementCard(arg));
    const shown = fake.messages.get(card.messageId)!.body as object;
    const payload = buttonInteraction(APP_ID, `place:${arg}`, { user: alice, channel: incidents, messageId: card.messageId });
    // As Discord sends it: the clicked message with what it shows.
    if (opts.withMessage !== false) payload.message = { ...payload.message, ...shown, id: card.messageId, channel_id: incidents.id };
    else payload.message = { id: card.messageId } as typeof payload.message;
    const { tokens, calls, result } = await interact(payload, arg, { [card.messageId]: 'card' });
    if (opts.withMessage !== false) expect(seenOnDiscord(payload, result.response as { type?: number }, calls, card.messageId)).toEqual(expectedSeen(arg, { clicked: true }));
    // Discord applies an UPDATE_MESSAGE answer (type 7) to the clicked card itself; the fake never sees that answer.
    const answer = result.response as { type?: number; data?: unknown };
    const cardNow = answer.type === 7 ? answer.data : (fake.messages.get(card.messageId)?.body ?? '(deleted)');
    return scrub(tokens, { ...result, card_now: cardNow });
  }

  async function typed(arg: string) {
    const payload = commandInteraction(APP_ID, 'place', [{ name: 'case', type: 3, value: arg }], { user: alice, channel: incidents });
    const { tokens, calls, result } = await interact(payload, arg, {});
    expect(seenOnDiscord(payload, result.response as { type?: number }, calls)).toEqual(expectedSeen(arg, { clicked: false }));
    return scrub(tokens, result);
  }

  it.each(PLACE_KINDS)('%s', async (kind) => {
    const golden: Record<string, unknown> = {};
    for (const v of clickVariants(kind)) golden[`click ${v}`] = await click(v);
    for (const v of typedVariants(kind)) golden[`/place ${v}`] = await typed(v);
    expectGolden(`discord/placement-${kind}.json`, golden);
  });

  it('a slow click whose payload did not carry the card leaves a "done" note on it, not "working…"', async () => {
    const r = (await click('slow-thread', { withMessage: false })) as { card_now: { embeds: { title: string; description?: string }[]; components: unknown[] } };
    expect(r.card_now.embeds.map((e) => [e.title, e.description])).toEqual([['ℹ️ Done', 'The result is in the thread.']]);
  });
});

describe('placements on the console (renderPlaced, as firebreak run and console print them)', () => {
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;
  beforeAll(async () => ({ app, dispatcher } = await placementApp()));
  afterAll(async () => app?.close());

  it.each(PLACE_KINDS)('%s', async (kind) => {
    const sections: string[] = [];
    for (const v of [kind, `${kind}+src`]) {
      const r = await dispatcher.dispatch({ actor: consoleAlice, channel: consoleChan, input: { kind: 'action', actionId: `place:${v}` } });
      sections.push(`$ !place:${v}\n${renderPlaced(r, { clicked: true })}`);
    }
    for (const v of [kind, `${kind}+src`]) {
      const r = await dispatcher.dispatch({ actor: consoleAlice, channel: consoleChan, input: { kind: 'text', text: `/place ${v}` } });
      sections.push(`$ /place ${v}\n${renderPlaced(r, { clicked: false })}`);
    }
    expectGolden(`console/placement-${kind}.txt`, sections.join('\n\n'));
  });
});
