import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import { configFrom, testRuntime } from '../support/app.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-fake-xyz';
const alice = { id: '111111111111111111', username: 'alice' };
const bob = { id: '222222222222222222', username: 'bob' };
const mallory = { id: '333333333333333333', username: 'mallory' };
const incidents = { id: '500000000000000001', name: 'incidents' };
const random = { id: '500000000000000002', name: 'random' };
const IMG = 'ghcr.io/acme/conduit-api';
/** From the environment, so Firebreak knows it is a secret; long enough to be cut in a usage error. */
const SECRET = 'q7Zr-note-value-5b1d4a6f8e0c93a7e2f1d0c9';

interface Callback {
  type: number;
  data?: { content?: string; flags?: number; embeds?: { title?: string; description?: string; color?: number; footer?: { text: string }; fields?: { name: string; value: string }[] }[]; components?: { components: { custom_id: string; label: string; style: number }[] }[] };
}

describe('Discord interactions through the real HTTP endpoint', () => {
  let running: Running;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let upstream: HttpRecorder;
  let slow: HttpRecorder;
  let dataDir: string;
  let endpoint: string;
  let kube: FakeKube;

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents, random] });
    upstream = await startHttpRecorder();
    upstream.respond(200, '{"status":"ok"}');
    slow = await startHttpRecorder();
    slow.respond(200, '{"status":"ok"}', { delayMs: 1600 });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-'));
    // A cluster the real kubectl talks to, so /status, /rollback, /scale and /restart act on something.
    kube = await startFakeKube({
      dir: dataDir,
      deployments: [{ namespace: 'conduit', name: 'conduit-api', replicas: 3, container: 'api', images: [`${IMG}:v1.2.2`, `${IMG}:v1.2.3`], firstRevision: 13 }],
    });
    const yaml = `
chat:
  incidents_channel: incidents
  workspaces: { discord: ["900000000000000001"] }
roles:
  responders: ["discord:${alice.id}", "discord:bob"]
services:
  api:
    description: API
    replicas: { min: 2, max: 30 }
    health: { type: http, url: "${upstream.url}/health", timeout_ms: 3000 }
    deploy: { kind: kubernetes, kubeconfig: "${kube.kubeconfig}", namespace: conduit, deployment: conduit-api, container: api, rollout_timeout_s: 30 }
datastores:
  slowdb: { type: http, url: "${slow.url}/ping", timeout_ms: 5000 }
actions:
  say-hello:
    description: Print a greeting
    argv: [node, -e, "console.log('hello from the action')"]
    timeout_s: 20
  note:
    description: Writes a note (asks first); its env holds a secret
    params:
      msg: { type: string, pattern: "[A-Za-z0-9-]+" }
    argv: [node, -e, "console.log('noted', process.argv[1])", "{msg}"]
    env: { NOTE_TOKEN: "\${NOTE_TOKEN}" }
    timeout_s: 20
  slow-note:
    description: Writes a note without asking, slowly enough to be deferred
    confirm: false
    params:
      msg: { type: string, pattern: "[A-Za-z0-9-]+" }
    argv: [node, -e, "setTimeout(() => console.log('noted', process.argv[1]), 1500)", "{msg}"]
    timeout_s: 20
procedures:
  greet:
    description: Scale api to 4, then check it
    steps:
      - run: "/scale api 4"
      - check: api
  diagnose-api:
    description: Is api answering, and what runs
    steps:
      - check: api
      - run: /status api
alerts:
  routes:
    - match: { service: api }
      diagnose: diagnose-api
backups:
  targets:
    appdata: { type: command, argv: [node, -e, "process.stdout.write('x')"], extension: txt, timeout_s: 30 }
  destination: { dir: "${join(dataDir, 'backups')}" }
`;
    running = await startFirebreak(
      testRuntime({
        port: 0,
        dataDir,
        discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl },
      }),
      configFrom(yaml, { NOTE_TOKEN: SECRET }),
      { host: '127.0.0.1' },
    );
    endpoint = `http://127.0.0.1:${running.http.port}/discord/interactions`;
  }, 120_000); // a fresh embedded store on a busy machine

  afterAll(async () => {
    await running?.close();
    await fake?.close();
    await upstream?.close();
    await slow?.close();
    await kube?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(payload: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Callback }> {
    const body = JSON.stringify(payload);
    const res = await fetch(endpoint, { method: 'POST', headers: headers ?? signer.headers(body), body });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Callback };
  }

  const command = (name: string, options: unknown[] = [], user = alice, channel = incidents) => commandInteraction(APP_ID, name, options, { user, channel });
  /**
   * What the person sees: the immediate answer (type 4), or, when the command outlasted the fast
   * window (any command may on a loaded machine), the deferred message once edited or the ephemeral
   * follow-up. That a quick result is the HTTP answer itself is discord-deferred.test.ts's.
   */
  const answerOf = (i: { token: string }, r: { body: Callback }, done?: (b: NonNullable<Callback['data']>) => boolean) => fake.answerOf<NonNullable<Callback['data']>>(i, r.body, { done });
  const editsOf = (token: string) => (c: DiscordCall) => c.method === 'PATCH' && c.route === `/webhooks/${APP_ID}/${token}/messages/@original` && c.status === 200;
  const timelineCount = async () => (await running.app.ports.timeline.list({ limit: 10_000 })).length;

  it('answers PING with PONG', async () => {
    const r = await post({ id: '1', application_id: APP_ID, type: 1, token: 't', version: 1 });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ type: 1 });
  });

  it('refuses a bad key, a tampered body and missing headers with 401, and runs nothing', async () => {
    const before = await timelineCount();
    const calls = fake.calls.length;
    const payload = JSON.stringify(command('health'));
    const other = discordSigner();
    const bad = await fetch(endpoint, { method: 'POST', headers: other.headers(payload), body: payload });
    expect(bad.status).toBe(401);
    const tampered = JSON.stringify(command('health', [{ name: 'service', type: 3, value: 'api' }]));
    const t = await fetch(endpoint, { method: 'POST', headers: signer.headers(payload), body: tampered });
    expect(t.status).toBe(401);
    const none = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
    expect(none.status).toBe(401);
    const stale = signer.headers(payload, '1700000000');
    const wrongTs = await fetch(endpoint, { method: 'POST', headers: { ...stale, 'x-signature-timestamp': '1700000001' }, body: payload });
    expect(wrongTs.status).toBe(401);
    // Correctly signed, but captured long ago: a replay must not run once its dedupe key is gone.
    const replay = await fetch(endpoint, { method: 'POST', headers: signer.headers(payload, String(Math.floor(Date.now() / 1000) - 3600)), body: payload });
    expect(replay.status).toBe(401);
    const ping = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":1}' });
    expect(ping.status).toBe(401);
    expect(await timelineCount()).toBe(before);
    expect(fake.calls.length).toBe(calls);
    expect(upstream.requests.length).toBe(0);
  });

  /**
   * What each command is given and what a user must see. Every registered command needs an entry,
   * with options that make it do its job: a card that only asks "which service?" proves nothing.
   */
  interface Drive {
    options: unknown[];
    /** The title of the answer (a result, or the confirmation card). */
    title: RegExp;
    /** More about the answer a user must see. */
    check?: (card: NonNullable<Callback['data']>) => void;
    /** Set for commands that ask first: click Confirm, then the result title and what changed. */
    confirm?: { label: string; result: RegExp; changed?: () => void };
  }
  const opt = (name: string, value: string | number) => ({ name, type: typeof value === 'number' ? 4 : 3, value });
  const drives: Record<string, Drive> = {
    health: { options: [opt('service', 'api')], title: /^✅ Health — 1 of 1 check OK/ },
    alerts: { options: [opt('service', 'api')], title: /^✅ 0 groups firing, 0 alerts for api$/, check: (card) => expect(card.embeds![0]!.description).toBe('Nothing is firing for api.') },
    help: { options: [], title: /Firebreak commands/ },
    run: { options: [opt('action', 'say-hello')], title: /say-hello/ },
    backup: {
      options: [{ name: 'now', type: 1, options: [opt('target', 'appdata')] }],
      title: /^✅ appdata backed up: \d+ B gzipped in /,
      check: (card) => expect(card.embeds![0]!.fields?.find((f) => f.name === 'Location')?.value).toContain(join(dataDir, 'backups')),
    },
    status: { options: [opt('service', 'api')], title: /^✅ api: revision 14, 3\/3 ready/ },
    logs: {
      options: [opt('service', 'api'), opt('grep', 'ERROR|panic'), { name: 'previous', type: 5, value: false }],
      title: /api logs: 0 of 0 lines match \(0 distinct, last 1h\)$/,
      check: (card) => expect(card.embeds![0]!.description).toBe('Nothing matched the pattern.'),
    },
    rollback: {
      options: [opt('service', 'api')],
      title: /Roll back api from revision 14 \(conduit-api:v1\.2\.3\) to 13 \(conduit-api:v1\.2\.2\)\?/,
      confirm: {
        label: 'Roll back',
        result: /^✅ api rolled back to revision 13 \(conduit-api:v1\.2\.2\)/,
        changed: () => expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ image: `${IMG}:v1.2.2`, revision: 15 }),
      },
    },
    scale: {
      options: [opt('service', 'api'), opt('replicas', 5)],
      title: /Scale api 3 → 5 replicas \(allowed 2–30\)\?/,
      confirm: { label: 'Scale', result: /^✅ api scaled 3 → 5 replicas/, changed: () => expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ replicas: 5, ready: 5 }) },
    },
    // One card for the whole procedure; Confirm runs its steps and the same card shows each done.
    procedure: {
      options: [opt('name', 'greet')],
      title: /Run procedure greet \(2 steps\)\?$/,
      confirm: { label: 'Run procedure', result: /Procedure greet: all 2 steps done$/, changed: () => expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ replicas: 4 }) },
    },
    // The whole incident conversation is test/e2e/incident-discord.test.ts.
    incident: { options: [{ name: 'list', type: 1, options: [] }], title: /^✅ No open incidents/ },
    restart: {
      options: [opt('service', 'api')],
      title: /Restart api \(rolling restart of 5 pods/,
      confirm: { label: 'Restart', result: /^✅ api restarted/, changed: () => expect(kube.deployment('conduit', 'conduit-api').restartedAt).toBeDefined() },
    },
    diagnose: { options: [opt('service', 'api')], title: /Procedure diagnose-api: all 2 steps done$/ },
    // A synthetic alert through the real path (the card posted on Discord, then resolved), each hop reported.
    drill: {
      options: [opt('route', 'api')],
      title: /^✅ 🧪 DRILL: the alert path works \(\d+(\.\d)? m?s\)$/,
      check: (card) => expect(card.embeds![0]!.description).toMatch(/card posted on discord in [\s\S]*card shows it resolved in/),
    },
    maintenance: {
      options: [{ name: 'start', type: 1, options: [opt('window', 'api 1h "node pool upgrade"')] }],
      title: /Maintenance #\d+ started: api until \d\d:\d\d UTC$/,
    },
    // After the commands above: what they did to api is listed, newest first.
    timeline: { options: [opt('service', 'api')], title: /^ℹ️ Timeline for api: events 1–\d+, newest first$/, check: (card) => expect(card.embeds![0]!.description).toContain('/restart api') },
  };

  /** The card a slash command or click ends up showing: the immediate answer, or the edit of a deferred one whose title is `done` (after any progress). */
  const shown = (i: { token: string }, r: { body: Callback }, done: RegExp) =>
    fake.answerOf<NonNullable<Callback['data']>>(i, r.body, { done: (b) => done.test(b.embeds?.[0]?.title ?? ''), timeoutMs: 60_000 });

  it('drives every registered command with real options against the fake cluster and a backup target, as the Discord user', async () => {
    const names = running.app.ports.registry.list().map((s) => s.name);
    expect(Object.keys(drives).sort(), 'every registered command has a drive here').toEqual([...names].sort());
    for (const name of names) {
      const d = drives[name]!;
      const i = command(name, d.options);
      const before = await timelineCount();
      const r = await post(i);
      expect(r.status, `/${name}`).toBe(200);
      const card = await shown(i, r, d.title);
      const title = card.embeds?.[0]?.title ?? '';
      expect(title, `/${name} is not a usage error or an internal error`).not.toMatch(/Invalid command|which service|internal error|went wrong|No backup targets/i);
      expect(title, `/${name}`).toMatch(d.title);
      d.check?.(card);

      const events = await running.app.ports.timeline.list({ limit: 10_000 });
      expect(events.length, `/${name} is recorded`).toBeGreaterThan(before);
      const mine = events.filter((e) => e.actor.platform === 'discord' && e.actor.id === alice.id && e.channel?.name === 'incidents' && e.command === name);
      expect(mine.length, `/${name} recorded for alice in #incidents`).toBeGreaterThan(0);
      expect(['ok', 'pending'], `/${name} outcome`).toContain(mine.at(-1)!.outcome);

      const buttons = card.components?.flatMap((row) => row.components) ?? [];
      if (!d.confirm) continue;
      expect(buttons.map((b) => b.label), `/${name} asks first`).toEqual([d.confirm.label, 'Cancel']);
      expect(buttons[0]!.style, 'Confirm is red').toBe(4);
      expect(buttons[0]!.custom_id).toMatch(/^confirm:/);
      const writes = kube.writes().length;
      const click = buttonInteraction(APP_ID, buttons[0]!.custom_id, { user: alice, channel: incidents });
      const clicked = await post(click);
      const result = await shown(click, clicked, d.confirm.result);
      expect(result.embeds![0]!.title, `/${name} result`).toMatch(d.confirm.result);
      expect(result.components, 'the card loses its buttons').toEqual([]);
      expect(kube.writes().length, `/${name} changed the cluster`).toBeGreaterThan(writes);
      d.confirm.changed?.();
    }
  }, 120_000);

  it('answers /health for everyone with an embed coloured by status', async () => {
    const i = command('health', [{ name: 'service', type: 3, value: 'api' }]);
    const answer = await answerOf(i, await post(i));
    const embed = answer.embeds![0]!;
    expect(embed.title).toContain('1 of 1 check OK');
    expect(embed.description).toContain('api');
    expect(embed.color).toBe(0x2eb67d);
    expect(answer.flags).toBeUndefined();
  });

  it('defers a slow command, then edits its original message with the result — through a 429', async () => {
    fake.rateLimitOnce('PATCH', /\/messages\/@original$/, 0.3);
    const i = command('health', [{ name: 'service', type: 3, value: 'slowdb' }]);
    const r = await post(i);
    expect(r.body).toEqual({ type: 5 });
    const edit = await fake.waitFor(editsOf(i.token));
    const data = edit.body as NonNullable<Callback['data']>;
    expect(data.embeds![0]!.title).toContain('1 of 1 check OK');
    expect(data.embeds![0]!.description).toContain('slowdb');
    const attempts = fake.calls.filter((c) => c.route === `/webhooks/${APP_ID}/${i.token}/messages/@original`);
    expect(attempts.map((c) => c.status)).toContain(429);
    expect(attempts.at(-1)!.status).toBe(200);
    expect(slow.requests.length).toBeGreaterThan(0);
  });

  it('shows a confirmation card with buttons; Confirm from another responder updates the card in place', async () => {
    const asked = command('run', [{ name: 'action', type: 3, value: 'say-hello' }]);
    const card = await answerOf(asked, await post(asked));
    const buttons = card.components!.flatMap((row) => row.components);
    expect(buttons).toHaveLength(2);
    expect(buttons[1]!.label).toBe('Cancel');
    expect(card.embeds![0]!.description).toContain('hello from the action');
    expect(buttons[0]!.style).toBe(4); // danger
    expect(buttons.every((b) => b.custom_id.length <= 100)).toBe(true);

    // Someone without the role is told why, privately, and the card stays for everyone.
    const malloryClick = buttonInteraction(APP_ID, buttons[0]!.custom_id, { user: mallory, channel: incidents });
    const denied = await answerOf(malloryClick, await post(malloryClick));
    expect(denied.flags).toBe(64);
    expect(denied.embeds![0]!.description).toContain('responders');
    const deniedRows = (await running.app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.actor.id === mallory.id);
    expect(deniedRows.map((e) => e.kind)).toContain('command.denied');

    const click = buttonInteraction(APP_ID, buttons[0]!.custom_id, { user: bob, channel: incidents });
    // A deferred click may show "⏳ Running" on the card first: the answer is the edit with the result.
    const result = await shown(click, await post(click), /say-hello: done/);
    expect(result.embeds![0]!.title).toContain('say-hello: done');
    expect(result.embeds![0]!.description).toContain('hello from the action');
    expect(result.embeds![0]!.footer!.text).toContain('confirmed by bob');
    expect(result.components).toEqual([]);
  });

  it('explains a denial in a channel that is not allowed, ephemerally, and records it', async () => {
    const i = command('health', [], alice, random);
    const answer = await answerOf(i, await post(i));
    expect(answer.flags).toBe(64);
    expect(answer.embeds![0]!.title).toContain('not allowed in #random');
    const rows = (await running.app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.channel?.name === 'random');
    expect(rows.map((e) => e.kind)).toEqual(['command.denied']);
  });

  it('refuses a server it does not serve (chat.workspaces), even in a channel named #incidents, and records it', async () => {
    const before = (await running.app.ports.timeline.list({ limit: 10_000 })).length;
    const healthCalls = upstream.requests.length;
    const i = commandInteraction(APP_ID, 'health', [], { user: alice, channel: incidents, guildId: '900000000000000999' });
    const answer = await answerOf(i, await post(i));
    expect(answer.flags).toBe(64);
    expect(answer.embeds![0]!.title).toBe('❌ /health is not available here');
    expect(answer.embeds![0]!.description).toContain('This Firebreak serves other servers');
    expect(upstream.requests.length).toBe(healthCalls); // no check ran
    const rows = (await running.app.ports.timeline.list({ limit: 10_000 })).slice(before);
    expect(rows.map((e) => [e.kind, e.command])).toEqual([['command.denied', 'health']]);
  });

  it('turns options into the same arguments as text, and explains bad input ephemerally', async () => {
    const i = command('run', [{ name: 'action', type: 3, value: 'no-such-action' }]);
    const answer = await answerOf(i, await post(i));
    expect(answer.flags).toBe(64);
    expect(answer.embeds![0]!.description).toMatch(/no-such-action|say-hello/);
  });

  it('a typed secret never reaches Discord: not in a card, a deferred edit or a usage error that quotes it', async () => {
    const params = (value: string) => [{ name: 'action', type: 3, value: value.split(' ')[0] }, { name: 'params', type: 3, value: value.split(' ')[1] }];
    const calls = fake.calls.length;
    const asked = command('run', params(`note msg=${SECRET}`));
    const card = await post(asked);
    // The mask is escaped Markdown like any text (Discord shows ***).
    expect((await answerOf(asked, card)).embeds![0]!.title).toBe('⏳ Run note with msg=\\*\\*\\*?');
    const slowRun = command('run', params(`slow-note msg=${SECRET}`));
    const deferred = await post(slowRun);
    expect(deferred.body).toEqual({ type: 5 });
    const edit = await fake.waitFor((c) => editsOf(slowRun.token)(c) && /slow-note: done/.test(JSON.stringify(c.body)), 30_000);
    expect(JSON.stringify(edit.body)).toContain('noted ***');
    // The value is quoted cut to 40 characters: what is left of it is still masked.
    const wrong = command('run', params(`note msg=${SECRET}#`));
    const usage = await post(wrong);
    const usageAnswer = await answerOf(wrong, usage);
    expect(usageAnswer.flags).toBe(64);
    expect(usageAnswer.embeds![0]!.description).toContain('got "\\*\\*\\*…"');
    const sent = JSON.stringify([card.body, deferred.body, usage.body, fake.calls.slice(calls).map((c) => c.body)]);
    expect(sent).not.toContain(SECRET);
    expect(sent).not.toContain(SECRET.slice(0, 12));
  });

  it('runs a repeated interaction once', async () => {
    const i = command('help');
    const before = await timelineCount();
    const first = await post(i);
    const again = await post(i);
    expect((await answerOf(i, first)).embeds![0]!.title).toContain('Firebreak commands');
    // Answered before anything runs, so always at once.
    expect(again.body.type).toBe(4);
    expect(again.body.data!.content).toContain('already received');
    expect(again.body.data!.flags).toBe(64);
    expect(await timelineCount()).toBe(before + 1);
  });

  it('posts, updates and pins messages and creates channels through the chat port', async () => {
    const chat = running.platforms.get('discord')!.chat;
    // Earlier drives post in #incidents too (a maintenance window's announcement): look only at what this test sent.
    const callsBefore = fake.calls.length;
    const ref = await chat.postMessage({ name: 'incidents' }, { title: 'Alert: api down', status: 'error', buttons: [{ actionId: 'ack:1', label: 'Acknowledge' }] });
    expect(ref.channelId).toBe(incidents.id);
    await chat.updateMessage(ref, { title: 'Alert: api resolved', status: 'ok' });
    await chat.pinMessage(ref);
    const ch = await chat.createChannel('inc-20261125 Checkout 5xx', { topic: 'sev2' });
    expect(ch.name).toBe('inc-20261125-checkout-5xx');
    await chat.inviteToChannel(ch.id, [alice.id]);
    const routes = fake.calls.filter((c) => c.headers.authorization === `Bot ${BOT_TOKEN}`).map((c) => `${c.method} ${c.route.replace(/\d{10,}/g, 'ID')} ${c.status}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /channels/ID/messages 200',
        'PATCH /channels/ID/messages/ID 200',
        'PUT /channels/ID/messages/pins/ID 204',
        'POST /guilds/ID/channels 201',
        'PUT /channels/ID/permissions/ID 204',
      ]),
    );
    const posted = fake.calls.slice(callsBefore).find((c) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages`)!.body as { embeds: { title: string }[]; components: unknown[] };
    expect(posted.embeds[0]!.title).toContain('Alert: api down');
    expect(posted.components).toHaveLength(1);
  });

  it('a typed @everyone, user or role mention pings no one: every message body it sent allows no mentions', async () => {
    const i = command('run', [{ name: 'action', type: 3, value: '@everyone <@&222> <@222222222222222222>' }]);
    const answer = await answerOf(i, await post(i));
    // Shown as typed: the mentions are escaped, so Discord draws no mention pill either.
    expect(answer.embeds![0]!.description).toContain('@everyone \\<@&222> \\<@222222222222222222>');
    expect((answer as { allowed_mentions?: unknown }).allowed_mentions).toEqual({ parse: [] });
    // Everything this suite made Firebreak send: edits, follow-ups, channel posts (interaction answers are checked above).
    const bodies = fake.calls.map((c) => c.body as { content?: string; embeds?: unknown[]; allowed_mentions?: unknown } | undefined).filter((b) => b && (b.content !== undefined || b.embeds !== undefined));
    expect(bodies.length).toBeGreaterThan(0);
    for (const b of bodies) expect(b!.allowed_mentions).toEqual({ parse: [] });
  });
});
