import { webApi } from '@slack/bolt';
import type { Coordination, Logger } from '../../core/ports.js';
import { ChannelPacer } from './channel-pacer.js';
import type { SlackMessage } from './render-blocks.js';

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
}

/**
 * The Web API calls Firebreak makes, each paced per channel and with Slack's errors turned into
 * SlackCallError. Rate limits come back to us (rejectRateLimitedCalls) so the pacer, not the
 * client, waits: it can then coalesce newer updates while it waits.
 */
export class SlackApi {
  readonly client: InstanceType<typeof webApi.WebClient>;
  readonly pacer: ChannelPacer;
  readonly logger: Logger;

  constructor(opts: SlackApiOptions) {
    this.logger = opts.logger;
    this.client = new webApi.WebClient(opts.token, {
      slackApiUrl: opts.apiUrl ? (opts.apiUrl.endsWith('/') ? opts.apiUrl : `${opts.apiUrl}/`) : undefined,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 2000 },
      timeout: 15_000,
      logLevel: webApi.LogLevel.ERROR,
    });
    this.pacer = new ChannelPacer({
      intervalMs: opts.paceIntervalMs,
      retryAfterMs: (err) => {
        const e = err as { code?: unknown; retryAfter?: unknown };
        return e?.code === webApi.ErrorCode.RateLimitedError && typeof e.retryAfter === 'number' ? Math.max(1, e.retryAfter) * 1000 : null;
      },
      onRateLimited: (channel, waitMs) => this.logger.warn({ channel, waitMs }, 'Slack rate-limited messages to this channel; waiting as Retry-After says'),
      ...(opts.coordination
        ? {
            claimSlot: (channel: string, ms: number) => opts.coordination!.claimOnce(`slack:pace:${channel}`, ms),
            onSlotError: (channel: string, err: unknown) => this.logger.warn({ channel, err: String(err) }, 'Slack pacing across replicas is unavailable (coordination store unreachable); pacing this replica alone'),
          }
        : {}),
    });
  }

  /** Runs a call and turns a failure into a logged SlackCallError. */
  async call<T>(method: string, channel: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      // Rate limits go back to the pacer untouched: it waits for Retry-After and tries again.
      if ((err as { code?: unknown })?.code === webApi.ErrorCode.RateLimitedError) throw err;
      const failure = slackCallError(method, channel, err);
      this.logger.error({ method, channel, slackError: failure.code }, `Slack ${method} failed: ${failure.message}`);
      throw failure;
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

  postMessage(channel: string, msg: SlackMessage): Promise<{ channel: string; ts: string }> {
    return this.pacer.run(channel, null, () =>
      this.call('chat.postMessage', channel, async () => {
        const r = await this.client.chat.postMessage({ channel, text: msg.text, blocks: msg.blocks as never[], unfurl_links: false, unfurl_media: false });
        return { channel: r.channel ?? channel, ts: String(r.ts) };
      }),
    );
  }

  /** Coalesced per message: only the latest content of queued updates to the same ts is sent. */
  updateMessage(channel: string, ts: string, msg: SlackMessage): Promise<void> {
    return this.pacer.run(channel, `update:${ts}`, () =>
      this.call('chat.update', channel, async () => {
        await this.client.chat.update({ channel, ts, text: msg.text, blocks: msg.blocks as never[] });
      }),
    );
  }

  postEphemeral(channel: string, user: string, msg: SlackMessage): Promise<void> {
    return this.pacer.run(channel, null, () =>
      this.call('chat.postEphemeral', channel, async () => {
        await this.client.chat.postEphemeral({ channel, user, text: msg.text, blocks: msg.blocks as never[] });
      }),
    );
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
