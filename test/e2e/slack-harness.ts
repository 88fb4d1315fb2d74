import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFirebreak, type Running } from '../../src/main.js';
import type { StartedPlatform } from '../../src/chat/platform-module.js';
import { configFrom, testRuntime } from '../support/app.js';
import { startSlackFake, type FakeMessage, type SlackFake } from '../fakes/slack-api.js';
import { blockActionsBody, signSlack, slashCommandBody } from '../fakes/slack-signing.js';

export const BOT_TOKEN = 'xoxb-fake-bot-token-1234567890';
export const APP_TOKEN = 'xapp-fake-app-token-1234567890';
export const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';

export const INCIDENTS = { id: 'CINCIDENTS', name: 'incidents' };
export const RANDOM = { id: 'CRANDOM', name: 'random' };
export const PRIVATE_NOT_IN = { id: 'GPRIVATE', name: 'inc-private' };
/** A private incident channel the bot is in; Slack names it "privategroup" in slash command payloads. */
export const PRIVATE_INC = { id: 'GINCDBFAIL', name: 'inc-20261125-db-failover' };
/** A channel id Slack does not know (deleted, or from another workspace): channel_not_found. */
export const GONE = { id: 'CGONE', name: 'inc-gone' };
export const ALICE = { id: 'UALICE', name: 'alice', display_name: 'Alice A' };
export const BOB = { id: 'UBOB', name: 'bob', display_name: 'Bob B' };

/**
 * A service whose health endpoint answers at once, and one that takes 1.5 s (to see "running…").
 * `hold()` keeps every /slow answer back until the function it returns is called, so a test can
 * show that something happened while the check was still waiting, with no clock involved.
 */
export async function startHealthTargets(): Promise<{ url: string; hold(): () => void; close(): Promise<void> }> {
  let gate: Promise<void> = Promise.resolve();
  const server: Server = createServer((req, res) => {
    const delay = req.url === '/slow' ? 1500 : 0;
    const answer = () => res.writeHead(req.url === '/down' ? 503 : 200).end('ok');
    if (req.url === '/slow') void gate.then(() => setTimeout(answer, delay));
    else setTimeout(answer, delay);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hold() {
      let release!: () => void;
      gate = new Promise<void>((r) => (release = r));
      return release;
    },
    close: () => new Promise<void>((r) => { server.close(() => r()); server.closeAllConnections(); }),
  };
}

export function configYaml(targetsUrl: string): string {
  return `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
services:
  api:
    health: { type: http, url: "${targetsUrl}/ok" }
  worker:
    health: { type: http, url: "${targetsUrl}/slow", timeout_ms: 5000 }
actions:
  say-hi:
    description: A harmless mutating action (asks for confirmation)
    argv: [node, -e, "console.log('hi from the action')"]
    timeout_s: 20
`;
}

export interface SlackRig {
  fake: SlackFake;
  running: Running;
  slack: StartedPlatform;
  eventsUrl: string;
  /** Posts a correctly signed request to POST /slack/events. */
  post(body: string, opts?: { headers?: Record<string, string>; contentType?: string; sign?: boolean }): Promise<Response>;
  slash(command: string, text: string, opts?: { user?: typeof ALICE; channel?: { id: string; name: string }; trigger?: string; headers?: Record<string, string> }): Promise<{ res: Response; trigger: string }>;
  click(actionId: string, message: { channel: string; ts: string }, opts?: ClickOptions): Promise<Response>;
  mode: 'http' | 'socket';
  /**
   * A slash command the way this rig's mode delivers it: a signed POST (HTTP) or an envelope on the
   * socket. Resolves once Slack would have its acknowledgement.
   */
  command(command: string, text: string, opts?: { user?: typeof ALICE; channel?: { id: string; name: string } }): Promise<{ trigger: string }>;
  /** A button click the way this rig's mode delivers it. */
  press(actionId: string, message: { channel: string; ts: string }, opts?: ClickOptions): Promise<void>;
  close(): Promise<void>;
}

export interface ClickOptions {
  user?: typeof ALICE;
  /** The channel name in the payload; null leaves it out, as Slack may for a click. */
  channelName?: string | null;
  actionTs?: string;
  label?: string;
  /** The clicked message's blocks, as Slack includes them in the payload. */
  blocks?: unknown[];
}

let seq = 0;
export const nextTrigger = () => `${Date.now()}.${++seq}.trigger`;

export function startDefaultFake(): Promise<SlackFake> {
  return startSlackFake({
    botToken: BOT_TOKEN,
    appToken: APP_TOKEN,
    notInChannel: [PRIVATE_NOT_IN.id],
    users: [ALICE, BOB],
    missing: [GONE.id],
    channels: [INCIDENTS, RANDOM, { ...PRIVATE_NOT_IN, private: true }, { ...PRIVATE_INC, private: true }],
  });
}

/** A slash command payload as Slack sends it in a Socket Mode envelope. */
export function slashPayload(fake: SlackFake, command: string, text: string, channel: { id: string; name: string }, opts: { user?: typeof ALICE; trigger?: string } = {}): Record<string, string> {
  const user = opts.user ?? ALICE;
  const trigger = opts.trigger ?? nextTrigger();
  return {
    token: 'verification-token-unused',
    team_id: 'T1',
    team_domain: 'fake',
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: user.id,
    user_name: user.name,
    command,
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: fake.responseUrl(trigger),
    trigger_id: trigger,
  };
}

export async function startSlackRig(
  yaml: string,
  mode: 'http' | 'socket' = 'http',
  /** `env` is what the config's ${VAR}s read (and so what Firebreak must keep secret). */
  opts: { botToken?: string; appToken?: string; fake?: SlackFake; databaseUrl?: string; redisUrl?: string; env?: NodeJS.ProcessEnv; logLevel?: string; logDestination?: NodeJS.WritableStream } = {},
): Promise<SlackRig> {
  const ownFake = !opts.fake;
  const fake = opts.fake ?? (await startDefaultFake());
  const dataDir = mkdtempSync(join(tmpdir(), 'fb-slack-'));
  const runtime = testRuntime({
    // SLACK_TEST_LOG=debug shows what the bot did when a test fails.
    logLevel: opts.logLevel ?? process.env.SLACK_TEST_LOG ?? 'silent',
    port: 0,
    dataDir,
    databaseUrl: opts.databaseUrl,
    redisUrl: opts.redisUrl,
    slack: mode === 'http' ? { botToken: opts.botToken ?? BOT_TOKEN, signingSecret: SIGNING_SECRET, apiUrl: fake.apiUrl } : { botToken: opts.botToken ?? BOT_TOKEN, appToken: opts.appToken ?? APP_TOKEN, apiUrl: fake.apiUrl },
  });
  let running: Running;
  try {
    running = await startFirebreak(runtime, configFrom(yaml, opts.env), { host: '127.0.0.1', ...(opts.logDestination ? { logDestination: opts.logDestination } : {}) });
  } catch (err) {
    if (ownFake) await fake.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const slack = running.platforms.get('slack');
  if (!slack) throw new Error('Slack did not start');
  const eventsUrl = `http://127.0.0.1:${running.http.port}/slack/events`;
  const post: SlackRig['post'] = (body, o = {}) =>
    fetch(eventsUrl, {
      method: 'POST',
      headers: { 'content-type': o.contentType ?? 'application/x-www-form-urlencoded', ...(o.sign === false ? {} : signSlack(SIGNING_SECRET, body)), ...(o.headers ?? {}) },
      body,
    });
  const slash: SlackRig['slash'] = async (command, text, o = {}) => {
    const user = o.user ?? ALICE;
    const channel = o.channel ?? INCIDENTS;
    const trigger = o.trigger ?? nextTrigger();
    const body = slashCommandBody({ command, text, user_id: user.id, user_name: user.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    return { res: await post(body, { headers: o.headers }), trigger };
  };
  const click: SlackRig['click'] = (actionId, message, o = {}) => post(blockActionsBody(clickPayload(fake, actionId, message, o)));
  return {
    fake,
    running,
    slack,
    eventsUrl,
    post,
    slash,
    click,
    mode,
    async command(command, text, o = {}) {
      const channel = o.channel ?? INCIDENTS;
      if (mode === 'http') {
        const { res, trigger } = await slash(command, text, { user: o.user, channel });
        if (res.status !== 200) throw new Error(`POST /slack/events answered ${res.status}`);
        return { trigger };
      }
      const payload = slashPayload(fake, command, text, channel, { user: o.user });
      await fake.sendEnvelope('slash_commands', payload);
      return { trigger: payload.trigger_id! };
    },
    async press(actionId, message, o = {}) {
      if (mode === 'http') {
        const res = await click(actionId, message, o);
        if (res.status !== 200) throw new Error(`POST /slack/events answered ${res.status}`);
        return;
      }
      await fake.sendEnvelope('interactive', clickPayload(fake, actionId, message, o));
    },
    async close() {
      await running.close();
      if (ownFake) await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function clickPayload(
  fake: SlackFake,
  actionId: string,
  message: { channel: string; ts: string },
  o: ClickOptions = {},
): Record<string, unknown> {
  const user = o.user ?? ALICE;
  const trigger = nextTrigger();
  return {
    type: 'block_actions',
    team: { id: 'T1', domain: 'fake' },
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T1' },
    api_app_id: 'A1',
    token: 'verification-token-unused',
    trigger_id: trigger,
    container: { type: 'message', message_ts: message.ts, channel_id: message.channel, is_ephemeral: false },
    channel: o.channelName === null ? { id: message.channel } : { id: message.channel, name: o.channelName ?? INCIDENTS.name },
    message: { type: 'message', ts: message.ts, text: '', ...(o.blocks ? { blocks: o.blocks } : {}) },
    response_url: fake.responseUrl(trigger),
    actions: [{ type: 'button', action_id: actionId, block_id: 'b1', text: { type: 'plain_text', text: o.label ?? actionId }, action_ts: o.actionTs ?? `${Math.floor(Date.now() / 1000)}.${String(++seq).padStart(6, '0')}` }],
  };
}

/** Header text of a message's first block. */
export function headerOf(blocks: unknown[] | undefined): string {
  const h = (blocks ?? []).find((b) => (b as { type?: string }).type === 'header') as { text?: { text?: string } } | undefined;
  return h?.text?.text ?? '';
}

export function contextOf(blocks: unknown[] | undefined): string {
  const c = (blocks ?? []).find((b) => (b as { type?: string }).type === 'context') as { elements?: { text?: string }[] } | undefined;
  return (c?.elements ?? []).map((e) => e.text ?? '').join(' ');
}

export function buttonsOf(blocks: unknown[] | undefined): { action_id: string; text: { text: string }; style?: string; confirm?: unknown }[] {
  return (blocks ?? []).filter((b) => (b as { type?: string }).type === 'actions').flatMap((b) => (b as { elements: never[] }).elements);
}

/**
 * The `index`-th message in a channel (0: the first) once it shows an answer rather than "⏳ Running
 * /cmd…". A command that takes longer than the fast window (1 s; any command on a busy machine)
 * posts "Running…" first and edits the answer into that same message, so the first post is not
 * always the answer: wait for what the person ends up seeing.
 */
export function answerIn(fake: SlackFake, channel: string, opts: { index?: number; timeoutMs?: number } = {}): Promise<FakeMessage> {
  return fake.waitFor(() => {
    const m = [...fake.messages.values()].filter((x) => x.channel === channel)[opts.index ?? 0];
    return m && !isRunning(m.blocks) ? m : undefined;
  }, opts.timeoutMs ?? 20_000);
}

/** Whether blocks are a placeholder shown while a command runs: "⏳ Running /cmd…" (typed) or "⏳ Re-check: running…" (clicked). */
export function isRunning(blocks: unknown[] | undefined): boolean {
  return /^⏳ (Running .*…|.*: running…)$/.test(headerOf(blocks));
}
