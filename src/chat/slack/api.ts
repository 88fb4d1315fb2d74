import { webApi } from '@slack/bolt';
import type { OutboundPriority } from '../../core/chat-port.js';
import type { Coordination, Logger } from '../../core/ports.js';
import { ChannelPacer } from './channel-pacer.js';
import { SlackMessageCalls } from './message-calls.js';
import type { SlackMessage } from './render.js';
import { sharedPaceSlot } from './shared-pace-slot.js';

/** A Slack Web API call that failed, with one sentence a person can act on. */
export class SlackCallError extends Error {
  override name = 'SlackCallError';
  constructor(
    readonly method: string,
    /** Slack's error code (channel_not_found, not_in_channel, invalid_auth, …) or "request_failed". */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the people who see the error should do about it. */
export function explainSlackError(code: string, channel?: string): string {
  const where = channel ? ` ${channel}` : '';
  if (code.startsWith('invalid_name')) {
    return `Slack refused the channel name${where} (${code}): a name may only have lowercase letters, digits, - and _, at most 80 characters.`;
  }
  switch (code) {
    case 'channel_not_found':
      return `Slack says channel${where} does not exist or Firebreak cannot see it: if it is private, /invite @firebreak there.`;
    case 'not_in_channel':
      return `Firebreak is not a member of channel${where}: /invite @firebreak there, then try again.`;
    case 'is_archived':
      return `Channel${where} is archived; Firebreak cannot post there.`;
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return `Slack rejected Firebreak's bot token (${code}): an admin must set a valid SLACK_BOT_TOKEN (xoxb-…) and restart Firebreak.`;
    case 'restricted_action':
      return 'The Slack workspace does not let Firebreak create channels (restricted_action): a workspace admin must allow apps to create channels.';
    case 'too_many_convos_for_team':
    case 'too_many_convos_for_app_on_team':
      return `Slack will not create more channels (${code}): archive old ones, or ask a workspace admin.`;
    case 'user_not_found':
      return 'Slack does not know one of the users (user_not_found): check the member ids in the config.';
    case 'missing_scope':
      return 'The Slack app is missing a permission (missing_scope): reinstall it from manifest.yml so it has every scope listed there.';
    default:
      return `Slack refused the request (${code}).`;
  }
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const e = err as { code?: unknown; data?: { error?: unknown } };
    if (e.code === webApi.ErrorCode.PlatformError && typeof e.data?.error === 'string') return e.data.error;
    if (e.code === webApi.ErrorCode.HTTPError) return 'http_error';
  }
  return 'request_failed';
}

export interface CallOptions {
  /** Slack error codes the caller handles itself: not logged as failures. */
  expected?: readonly string[];
  /** Wait out 429s here (calls outside the pacer); otherwise they are thrown for the pacer. */
  waitOutRateLimits?: boolean;
}

/** A message call's place in its channel's queue (see OutboundPriority); 'system' when not given. */
export interface PacedOptions {
  priority?: OutboundPriority;
}

/** Rate-limited calls outside the pacer are retried this often before the caller is told. */
const RATE_LIMIT_RETRIES = 3;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function rateLimitWaitMs(err: unknown): number | null {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (e?.code !== webApi.ErrorCode.RateLimitedError) return null;
  return typeof e.retryAfter === 'number' ? Math.max(1, e.retryAfter) * 1000 : 1000;
}

/** Slack error codes that mean the bot token itself is refused. */
export const TOKEN_REFUSED_CODES: ReadonlySet<string> = new Set(['invalid_auth', 'not_authed', 'token_revoked', 'token_expired', 'account_inactive']);

function slackCallError(method: string, channel: string | undefined, err: unknown): SlackCallError {
  const code = errorCode(err);
  const message = code === 'request_failed' ? `Firebreak could not reach Slack (${method}): ${(err as Error).message}` : explainSlackError(code, channel);
  return new SlackCallError(method, code, message);
}

export interface SlackApiOptions {
  token: string;
  /** SLACK_API_URL: another base URL for the Web API (a proxy or a local fake). */
  apiUrl?: string;
  logger: Logger;
  paceIntervalMs?: number;
  /** Shared with the other replicas (Redis), so the per-channel pace holds for all of them together. */
  coordination?: Coordination;
  /** Told of every 429 Slack answers (for firebreak_chat_rate_limited_total); the call is waited out and sent again. */
  onRateLimited?: () => void;
}

/**
 * The Web API calls Firebreak makes, each paced per channel and with Slack's errors turned into
 * SlackCallError. Rate limits come back to us (rejectRateLimitedCalls) so the pacer, not the
 * client, waits: it can then coalesce newer updates while it waits.
 */
export class SlackApi {
  readonly client: InstanceType<typeof webApi.WebClient>;
  /** chat.postMessage, chat.update and chat.postEphemeral: every answer's calls, on a lighter path than the WebClient. */
  private readonly messages: SlackMessageCalls;
  readonly pacer: ChannelPacer;
  readonly logger: Logger;
  private readonly onRateLimited: () => void;

  constructor(opts: SlackApiOptions) {
    this.logger = opts.logger;
    this.onRateLimited = opts.onRateLimited ?? (() => {});
    this.client = new webApi.WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ? (opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`) : undefined,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
      timeout: 15_000,
      logLevel: webApi.LogLevel.ERROR,
    });
    this.messages = new SlackMessageCalls(opts.token, this.client.slackApiUrl, 15_000);
    this.pacer = new ChannelPacer({
      intervalMs: opts.paceIntervalMs,
      retryAfterMs: rateLimitWaitMs,
      onRateLimited: (channel, waitMs) => {
        this.onRateLimited();
        this.logger.warn({ channel, waitMs }, 'Slack rate-limited messages to this channel; waiting as Retry-After says');
      },
      ...(opts.coordination
        ? {
            claimSlot: sharedPaceSlot(opts.coordination, 'slack:pace'),
            onSlotError: (channel: string, err: unknown) => this.logger.warn({ channel, err: String(err) }, 'Slack pacing across replicas is unavailable (coordination store unreachable); pacing this replica alone'),
          }
        : {}),
    });
  }

  /**
   * Runs a call and turns a failure into a logged SlackCallError. `expected` codes are answers the
   * caller handles (name_taken, already_pinned): logged at debug, not as errors. Rate limits go back
   * to the caller untouched (the pacer waits for Retry-After and coalesces), unless `waitOutRateLimits`:
   * then this waits and tries again, for calls that do not go through the pacer (channel operations).
   */
  async call<T>(method: string, channel: string | undefined, fn: () => Promise<T>, opts: CallOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const waitMs = rateLimitWaitMs(err);
        if (waitMs !== null) {
          if (!opts.waitOutRateLimits) throw err;
          this.onRateLimited();
          if (attempt <= RATE_LIMIT_RETRIES) {
            this.logger.warn({ method, channel, waitMs }, `Slack rate-limited ${method}; waiting as Retry-After says`);
            await sleep(waitMs);
            continue;
          }
          const message = `Slack kept rate-limiting ${method}${channel ? ` for ${channel}` : ''}: try again in a minute.`;
          this.logger.error({ method, channel, slackError: 'ratelimited' }, message);
          throw new SlackCallError(method, 'ratelimited', message);
        }
        const failure = slackCallError(method, channel, err);
        if (opts.expected?.includes(failure.code)) this.logger.debug({ method, channel, slackError: failure.code }, `Slack ${method}: ${failure.code}`);
        else this.logger.error({ method, channel, slackError: failure.code }, `Slack ${method} failed: ${failure.message}`);
        throw failure;
      }
    }
  }

  /** Not through call(): start-up reports the outcome itself, in one line. */
  async authTest(): Promise<{ userId?: string; botId?: string; team?: string }> {
    try {
      const r = await this.client.auth.test();
      return { userId: r.user_id, botId: r.bot_id, team: r.team };
    } catch (err) {
      throw slackCallError('auth.test', undefined, err);
    }
  }

  /**
   * The text and author of one message (a thread reply too), for 📌: conversations.history, then
   * conversations.replies for a reply in a thread. Needs channels:history / groups:history. Null when Slack has no such message.
   */
  async messageAt(channel: string, ts: string): Promise<{ text: string; user?: string } | null> {
    const opts: CallOptions = { waitOutRateLimits: true };
    const h = await this.call('conversations.history', channel, () => this.client.conversations.history({ channel, latest: ts, inclusive: true, limit: 1 }), opts);
    const top = h.messages?.find((m) => m.ts === ts);
    if (top) return { text: top.text ?? '', user: top.user };
    const r = await this.call('conversations.replies', channel, () => this.client.conversations.replies({ channel, ts, latest: ts, inclusive: true, limit: 1 }), opts);
    const reply = r.messages?.find((m) => m.ts === ts);
    return reply ? { text: reply.text ?? '', user: reply.user } : null;
  }

  /** With `threadTs`, a reply in that message's thread. */
  postMessage(channel: string, msg: SlackMessage, opts: { threadTs?: string } & PacedOptions = {}): Promise<{ channel: string; ts: string }> {
    return this.pacer.run(
      channel,
      null,
      () =>
        this.call('chat.postMessage', channel, async () => {
          const r = await this.messages.call('chat.postMessage', {
            channel,
            text: msg.text,
            blocks: msg.blocks,
            unfurl_links: false,
            unfurl_media: false,
            ...(opts.threadTs ? { thread_ts: opts.threadTs } : {}),
          });
          return { channel: typeof r.channel === 'string' ? r.channel : channel, ts: String(r.ts) };
        }),
      opts.priority,
    );
  }

  /** Coalesced per message: only the latest content of queued updates to the same ts is sent. */
  updateMessage(channel: string, ts: string, msg: SlackMessage, opts: PacedOptions = {}): Promise<void> {
    return this.pacer.run(
      channel,
      `update:${ts}`,
      () =>
        this.call('chat.update', channel, async () => {
          await this.messages.call('chat.update', { channel, ts, text: msg.text, blocks: msg.blocks });
        }),
      opts.priority,
    );
  }

  postEphemeral(channel: string, user: string, msg: SlackMessage, opts: CallOptions & PacedOptions = {}): Promise<void> {
    const { priority, ...call } = opts;
    return this.pacer.run(
      channel,
      null,
      () =>
        this.call(
          'chat.postEphemeral',
          channel,
          async () => {
            await this.messages.call('chat.postEphemeral', { channel, user, text: msg.text, blocks: msg.blocks });
          },
          call,
        ),
      priority,
    );
  }

  /** Opens a modal for the person whose command or click gave `triggerId` (valid for 3 s). Not paced: it posts to no channel. */
  async openView(triggerId: string, view: Record<string, unknown>): Promise<void> {
    await this.call('views.open', undefined, () => this.client.views.open({ trigger_id: triggerId, view: view as never }));
  }

  /**
   * Answers through a slash command's or button's response_url. It needs no token and works in
   * channels Firebreak is not a member of, so ephemeral replies and error notices go this way.
   */
  async respond(url: string, body: Record<string, unknown>): Promise<void> {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch (err) {
      this.logger.error({ slackError: 'response_url' }, `Slack response_url post failed: ${(err as Error).message}`);
      throw new SlackCallError('response_url', 'request_failed', `Firebreak could not answer through the response_url: ${(err as Error).message}`);
    }
  }
}
