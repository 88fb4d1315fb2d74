import { App, LogLevel, SocketModeReceiver, type Receiver } from '@slack/bolt';
import type { InvocationDispatcher } from '../../core/invocation.js';
import type { DeliveryClaims } from '../../core/delivery-claims.js';
import type { Coordination, Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Router } from '../../http/router.js';
import { ChannelNames } from './channel-lookup.js';
import { RouterReceiver } from './router-receiver.js';
import { SlackApi, SlackCallError, TOKEN_REFUSED_CODES } from './api.js';
import { slackMode, type SlackEnv } from './mode.js';
import { SlackChatPort } from './chat-port.js';
import { SlackInteractions } from './interactions.js';
import { UserNames } from './user-names.js';
import { SLACK_SECRET_CALLBACK } from './secret-modal.js';

export const SLACK_EVENTS_PATH = '/slack/events';
/** How long `firebreak start` waits for Socket Mode to connect before going on without it. */
const START_WAIT_MS = 10_000;

export interface SlackDeps {
  dispatcher: InvocationDispatcher;
  /** Paces messages per channel across replicas. */
  coordination: Coordination;
  /** Runs each delivery once (retries, redelivered envelopes, double clicks). */
  deliveries: DeliveryClaims;
  logger: Logger;
  /** Masks secrets in every message Firebreak sends to Slack. */
  redactor: Redactor;
  router: Router;
  /** Told of every 429 from Slack (firebreak_chat_rate_limited_total). */
  onRateLimited?: () => void;
  /** Whether a channel is an incident's own (for 📌); main.ts asks the incident store. */
  incidentChannel?: (platform: string, channelId: string) => Promise<boolean>;
  /** chat.max_waiting: slash commands still running past which a new one is refused as busy. */
  maxWaiting?: number;
  /** Test knobs: pacing interval and the "answer at once" window. */
  paceIntervalMs?: number;
  fastReplyMs?: number;
}

export interface RunningSlack {
  mode: 'http' | 'socket';
  chat: SlackChatPort;
  api: SlackApi;
  /** Waits for in-flight interactions and queued messages (tests, shutdown). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Bolt's logger interface on top of ours, so Bolt's lines are JSON and redacted like the rest. */
function boltLogger(logger: Logger) {
  const line = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');
  let level = LogLevel.INFO;
  return {
    debug: (...m: unknown[]) => logger.debug({ component: 'slack-bolt' }, line(m)),
    info: (...m: unknown[]) => logger.info({ component: 'slack-bolt' }, line(m)),
    warn: (...m: unknown[]) => logger.warn({ component: 'slack-bolt' }, line(m)),
    error: (...m: unknown[]) => logger.error({ component: 'slack-bolt' }, line(m)),
    setLevel: (l: LogLevel) => void (level = l),
    getLevel: () => level,
    setName: () => {},
  };
}

/**
 * Starts Slack: HTTP mode on the shared server at POST /slack/events (SLACK_BOT_TOKEN +
 * SLACK_SIGNING_SECRET), or Socket Mode when SLACK_APP_TOKEN is set (no public URL needed).
 * Every registered command is a slash command; every button comes back as an action.
 */
export async function startSlack(env: SlackEnv, deps: SlackDeps): Promise<RunningSlack | null> {
  const mode = slackMode(env);
  if (mode === 'off') return null;
  const { logger } = deps;
  if (!env.botToken) throw new Error('SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: Socket Mode needs both (xapp-… and xoxb-…).');
  const api = new SlackApi({ token: env.botToken, apiUrl: env.apiUrl, logger, paceIntervalMs: deps.paceIntervalMs, coordination: deps.coordination, onRateLimited: deps.onRateLimited });
  let interactions: SlackInteractions | null = null;
  const chat = new SlackChatPort(api, deps.redactor, () => interactions?.drain() ?? api.pacer.idle());
  interactions = new SlackInteractions({ dispatcher: deps.dispatcher, deliveries: deps.deliveries, logger, redactor: deps.redactor, api, chat, users: new UserNames(api), channels: new ChannelNames(api), fastReplyMs: deps.fastReplyMs, incidentChannel: deps.incidentChannel, maxWaiting: deps.maxWaiting });
  const handled = interactions;

  // One auth.test at start: a bad token is one clear log line now, not a silent failure per command.
  let auth: { userId?: string; botId?: string; team?: string } = {};
  let authChecked = false;
  try {
    auth = await api.authTest();
    authChecked = true;
  } catch (err) {
    const code = err instanceof SlackCallError ? err.code : 'request_failed';
    if (TOKEN_REFUSED_CODES.has(code)) {
      logger.error({ slackError: code }, `Slack refused the bot token (${code}): set a valid SLACK_BOT_TOKEN (xoxb-…) and restart Firebreak. Until then commands are acknowledged but answers cannot be posted.`);
    } else {
      logger.error({ slackError: code }, `Slack could not check SLACK_BOT_TOKEN: ${(err as Error).message}. Commands are acknowledged; answers are posted once Slack answers.`);
    }
  }
  const botToken = env.botToken;
  const slackApiUrl = api.client.slackApiUrl;

  let receiver: Receiver;
  let routerReceiver: RouterReceiver | null = null;
  if (mode === 'socket') {
    receiver = new SocketModeReceiver({
      appToken: env.appToken!,
      logger: boltLogger(logger),
      installerOptions: { clientOptions: { slackApiUrl } },
    });
  } else {
    routerReceiver = new RouterReceiver(env.signingSecret!, logger, Date.now, () => handled.busy());
    receiver = routerReceiver;
  }
  const app = new App({
    receiver,
    // Our own authorize: Bolt would otherwise call auth.test again and, on failure, drop every request silently.
    authorize: async () => ({ botToken, botId: auth.botId, botUserId: auth.userId }),
    logger: boltLogger(logger),
    clientOptions: { slackApiUrl },
    // Bolt's conversation store is never read here, and its in-memory default rejects a promise with a
    // new Error for every event it has no state for: a tenth of the acking thread under a burst.
    convoStore: false,
  });
  app.command(/.*/, async ({ ack, body }) => {
    // Too many still running: the refusal is the acknowledgement itself (only the person sees it),
    // so it costs no call to Slack and nothing of the command runs or is recorded. Over HTTP the
    // receiver refuses before Bolt already; this is Socket Mode's (and a burst that filled up meanwhile).
    const busy = handled.busy();
    if (busy !== null) {
      await ack({ response_type: 'ephemeral', text: busy });
      return;
    }
    await ack();
    // Secret params are asked for in a modal first; the command runs when it is submitted.
    if (await handled.askSecrets(body)) return;
    handled.track(`Slack ${String((body as { command?: unknown }).command ?? 'command')}`, handled.slashCommand(body));
  });
  app.action(/.*/, async ({ ack, body }) => {
    await ack();
    handled.track('Slack button click', handled.blockActions(body));
  });
  app.view(SLACK_SECRET_CALLBACK, async ({ ack, body }) => {
    await ack();
    handled.track('Slack secret modal', handled.secretSubmitted(body));
  });
  app.shortcut('add_to_timeline', async ({ ack, body }) => {
    await ack();
    handled.track('Slack Add to timeline', handled.messageShortcut(body));
  });
  // Bolt acknowledges events itself; the work runs after, like every other request.
  app.event('reaction_added', async ({ body }) => {
    handled.track('Slack reaction', handled.reactionAdded(body));
  });
  app.error(async (err) => {
    logger.error({ err: err.message }, 'Slack request handling failed');
  });

  if (routerReceiver) {
    const r = routerReceiver;
    deps.router.add('POST', SLACK_EVENTS_PATH, (req) => r.handle(req));
  }
  // Socket Mode connects here. A bad app token is a clear log line, not a crashed server (HTTP,
  // Discord and the console keep working); an unreachable Slack keeps retrying in the background.
  const started = app.start().then(
    () => true,
    (err: unknown) => {
      logger.error(
        { slackError: (err as { data?: { error?: string } }).data?.error ?? 'connect_failed' },
        `Slack Socket Mode could not connect: ${(err as Error).message}. Check SLACK_APP_TOKEN (an xapp-… app-level token with the connections:write scope).`,
      );
      return false;
    },
  );
  const connected = await Promise.race([started, new Promise<null>((r) => setTimeout(() => r(null), START_WAIT_MS).unref())]);
  if (connected === null) logger.warn({ mode }, `Slack Socket Mode is still connecting after ${START_WAIT_MS / 1000} s; it keeps retrying.`);
  // "Connected" only when Slack accepted the token: the line above already said what is wrong.
  if (connected && authChecked) logger.info({ mode, team: auth.team, apiUrl: env.apiUrl ? slackApiUrl : undefined }, `Slack connected (${mode === 'socket' ? 'Socket Mode' : `HTTP at POST ${SLACK_EVENTS_PATH}`})`);
  return {
    mode,
    chat,
    api,
    idle: () => handled.drain(),
    async close() {
      await app.stop();
      await handled.drain();
    },
  };
}
