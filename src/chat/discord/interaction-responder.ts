import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { quietMassMentions, renderDiscord, type DiscordMessage } from './render.js';

/**
 * Discord lets an interaction token edit its messages for 15 minutes. We stop using it a minute
 * earlier, so a request that is slowed by a rate limit does not straddle the expiry.
 */
export const DEFAULT_TOKEN_LIFETIME_MS = 14 * 60_000;

/** Discord's error code for an expired or unknown interaction token, and for an unknown webhook. */
const INVALID_WEBHOOK_TOKEN = 50027;
const UNKNOWN_WEBHOOK = 10015;

const messageRefSchema = z.object({ id: z.string().min(1), channel_id: z.string().min(1) });
const dmChannelSchema = z.object({ id: z.string().min(1) });

/** A message body as sent in an edit or a channel post: never ephemeral (see editBody). */
type MessageBody = Omit<DiscordMessage, 'flags'> & { allowed_mentions?: { parse: string[]; users?: string[] } };

/** A clicked message as Discord sent it with the click: our own rendering, echoed back. */
export interface ShownMessage {
  content?: string;
  embeds: Record<string, unknown>[];
  components: Record<string, unknown>[];
}
type RestoreBody = ShownMessage & { allowed_mentions: { parse: [] } };

export interface InteractionResponderOptions {
  /** Who asked: mentioned in a new message when the original cannot be edited any more. */
  askerId: string;
  /** The channel the interaction came from. */
  channelId: string;
  /** For a clicked button: the message the button is on, which is the one we edit. */
  messageId?: string;
  /**
   * What the asker did, as a channel pointer names it ("/backup list", "your button click"):
   * the only trace of a private result that could not be shown privately in place.
   */
  what: string;
  /** How long the interaction token is used before switching to the bot token; injectable for tests. */
  tokenLifetimeMs?: number;
  /** Masks secrets in every body this sends (see renderDiscord). */
  redactor: Redactor;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** The token can no longer edit: 401, Invalid Webhook Token (50027) or the webhook is gone. */
function tokenExpired(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || err.code === INVALID_WEBHOOK_TOKEN || err.code === UNKNOWN_WEBHOOK);
}


/**
 * After a deferred answer (type 5 or 6), everything the user sees next goes through the
 * interaction's webhook: progress and the result edit `@original`; an ephemeral result on a
 * clicked card goes out as an ephemeral follow-up so the card stays as it was for everyone.
 * The one delivery path (core/delivery.ts) calls it one step at a time with the latest progress
 * only, so the result always lands last. The REST client waits out 429s (Retry-After) and retries.
 *
 * The interaction token expires after 15 minutes, and `/backup now` or a rollout can take longer.
 * So the responder remembers which message `@original` is (the clicked card, or what Discord
 * returns for `@original`) and, once the token is near its end or Discord refuses it, edits that
 * message with the bot token instead. If even that fails (no bot token, no access, the message
 * was deleted), a public result is posted as a new message that mentions the asker: late, never lost.
 *
 * A private (ephemeral) result never goes into a channel: denials, `/backup list` and `/help` are
 * for the asker only, and a channel message cannot be ephemeral. When the ephemeral follow-up
 * cannot be sent (token expired, or Discord kept failing), the body goes to the asker by DM through
 * the bot token, and the channel only gets a pointer without the body ("sent to you privately", or,
 * if the DM was refused too, how to get it: allow DMs, or run it again).
 */
export class InteractionResponder {
  private readonly tokenDeadline: number;
  private tokenRefused = false;
  private original: { channelId: string; messageId: string } | null;

  constructor(
    private readonly rest: REST,
    private readonly applicationId: string,
    private readonly token: string,
    private readonly logger: Logger,
    private readonly opts: InteractionResponderOptions,
  ) {
    this.tokenDeadline = Date.now() + (opts.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS);
    this.original = opts.messageId ? { channelId: opts.channelId, messageId: opts.messageId } : null;
  }

  /** flags cannot change on an edit and a channel message cannot be ephemeral; the deferral decided. */
  private editBody(reply: Reply): MessageBody {
    const { flags: _ignored, ...body } = renderDiscord(reply, this.opts.redactor);
    return body;
  }

  /** Called once Discord has our deferred answer; resolves when `@original` is known. */
  async deferred(acknowledged: Promise<void>): Promise<void> {
    await acknowledged;
    // A slash command's "thinking…" message gets its id only now; learn it while the token is fresh,
    // because a command that reports no progress would otherwise first need it after the token expired.
    if (this.original) return;
    try {
      this.remember(await this.rest.get(Routes.webhookMessage(this.applicationId, this.token, '@original'), { auth: false }));
    } catch (err) {
      this.logger.warn({ err: errText(err) }, 'Discord: could not read the deferred message; a result after 15 minutes will be posted as a new message');
    }
  }

  /** A progress state in `@original`; may be dropped (the caller logs it), the result never is. */
  progress(reply: Reply): Promise<void> {
    return this.deliver(this.editBody(reply));
  }

  /** `@original` becomes this for everyone (the clicked card's source update). */
  updateOriginal(reply: Reply): Promise<void> {
    const body = this.editBody(reply);
    return this.deliver(body, body);
  }

  /**
   * `@original` (the clicked card) shows what it showed before the progress that covered it, when the
   * result went elsewhere. Failing leaves the progress showing, which is logged, not thrown.
   */
  async restoreOriginal(shown: ShownMessage): Promise<void> {
    const body: RestoreBody = { ...shown, allowed_mentions: { parse: [] } };
    await this.deliver(body).catch((err: unknown) => {
      this.logger.warn({ err: errText(err) }, 'Discord: could not put the clicked message back after showing progress on it');
    });
  }

  /** A public result in `@original`, else (token and bot both failed) as a new message mentioning the asker. */
  async publicResult(reply: Reply): Promise<void> {
    const body = this.editBody(reply);
    await this.deliver(body, { ...body, ...this.mention('here is the result of your command; Firebreak could no longer update its original message.') });
  }

  /** A public result as a new message beside the clicked card (a follow-up while the token lasts, else as the bot). */
  async newMessage(reply: Reply): Promise<void> {
    const body = this.editBody(reply);
    if (this.tokenUsable()) {
      try {
        await this.rest.post(Routes.webhook(this.applicationId, this.token), { body, auth: false });
        return;
      } catch (err) {
        if (tokenExpired(err)) this.markRefused(err);
        else this.logger.warn({ err: errText(err) }, 'Discord: the follow-up failed; posting as the bot');
      }
    }
    await this.post(body);
  }

  /**
   * Only the asker sees it: an ephemeral follow-up, else by DM with a bodiless pointer in the channel.
   * `replaceOriginal`: a slash command's own "thinking…" message goes (or becomes the pointer).
   */
  async privateResult(reply: Reply, opts: { replaceOriginal: boolean }): Promise<void> {
    const shown = { ...reply, ephemeral: true };
    if (await this.sendEphemeral(shown, opts)) return;
    await this.deliverPrivately(shown, opts);
  }

  /**
   * Only the asker sees it; false when the follow-up could not be sent, for any reason (token
   * expired, 5xx after the client's retries, network), so the caller falls back to a DM.
   */
  private async sendEphemeral(reply: Reply, opts: { replaceOriginal: boolean }): Promise<boolean> {
    if (!this.tokenUsable()) return false;
    try {
      // A deferred message cannot turn ephemeral, so a slash command's public "thinking…"
      // message is removed; a clicked card is left as it was.
      await this.rest.post(Routes.webhook(this.applicationId, this.token), { body: renderDiscord(reply, this.opts.redactor), auth: false });
    } catch (err) {
      if (tokenExpired(err)) this.markRefused(err);
      else this.logger.warn({ err: errText(err) }, 'Discord: the private follow-up failed; sending the result by direct message');
      return false;
    }
    if (opts.replaceOriginal) {
      await this.rest.delete(Routes.webhookMessage(this.applicationId, this.token, '@original'), { auth: false }).catch((err: unknown) => {
        this.logger.warn({ err: errText(err) }, 'Discord: could not remove the "thinking…" message after a private result');
      });
    }
    return true;
  }

  private tokenUsable(): boolean {
    return !this.tokenRefused && Date.now() < this.tokenDeadline;
  }

  private markRefused(err: unknown): void {
    this.tokenRefused = true;
    this.logger.warn({ err: errText(err) }, 'Discord: the interaction token was refused (expired); continuing with the bot token');
  }

  private remember(message: unknown): void {
    const m = messageRefSchema.safeParse(message);
    if (m.success) this.original = { channelId: m.data.channel_id, messageId: m.data.id };
  }

  /**
   * The private result could not be shown as an ephemeral follow-up: DM it to the asker with the
   * bot token, and leave the channel only a pointer without the body. A slash command's "thinking…"
   * message (the asker's own) becomes the pointer; on a clicked card, which is everyone's, the
   * pointer is a new message so the card stays as it was.
   */
  private async deliverPrivately(reply: Reply, opts: { replaceOriginal: boolean }): Promise<void> {
    const sent = await this.sendDirectMessage(reply);
    const pointer = this.mention(
      sent
        ? `${this.opts.what} finished — the result was sent to you privately (direct message from Firebreak).`
        : `${this.opts.what} finished — the result is private and Firebreak could not send it to you directly (allow direct messages from server members, or run it again).`,
    );
    const body: MessageBody = { ...pointer, embeds: [], components: [] };
    if (opts.replaceOriginal) await this.deliver(body, body);
    else await this.post(body);
  }

  /** The body in a DM channel with the asker; false (logged) when the bot has no token, or they refuse DMs. */
  private async sendDirectMessage(reply: Reply): Promise<boolean> {
    try {
      const dm = dmChannelSchema.parse(await this.rest.post(Routes.userChannels(), { body: { recipient_id: this.opts.askerId } }));
      await this.rest.post(Routes.channelMessages(dm.id), { body: { ...this.editBody(reply), allowed_mentions: { parse: [] } } });
      return true;
    } catch (err) {
      this.logger.warn({ err: errText(err), asker: this.opts.askerId }, 'Discord: could not send a private result by direct message; the channel gets a pointer to the timeline');
      return false;
    }
  }

  /** Content that pings only the asker: the one mention Firebreak makes on purpose. */
  private mention(text: string): Pick<MessageBody, 'content' | 'allowed_mentions'> {
    const { askerId } = this.opts;
    return { content: `<@${askerId}> ${quietMassMentions(text)}`, allowed_mentions: { parse: [], users: [askerId] } };
  }

  /**
   * Shows a body in the original message: through the interaction token while it lasts, then as the
   * bot. `lastResort` (final results only) is posted as a new channel message when neither can edit;
   * progress without it may be dropped.
   */
  private async deliver(body: MessageBody | RestoreBody, lastResort?: MessageBody): Promise<void> {
    const final = lastResort !== undefined;
    if (this.tokenUsable()) {
      try {
        this.remember(await this.rest.patch(Routes.webhookMessage(this.applicationId, this.token, '@original'), { body, auth: false }));
        return;
      } catch (err) {
        if (tokenExpired(err)) this.markRefused(err);
        // Progress may be dropped; the result is worth one more way in.
        else if (!final) throw err;
        else this.logger.warn({ err: errText(err) }, 'Discord: editing the original message failed; trying as the bot');
      }
    }
    if (this.original) {
      try {
        await this.rest.patch(Routes.channelMessage(this.original.channelId, this.original.messageId), { body });
        return;
      } catch (err) {
        if (!final) throw err;
        this.logger.warn({ err: errText(err), ...this.original }, 'Discord: the bot could not edit the original message; posting the result as a new message');
      }
    }
    // Without the message id there is nothing to edit; a new message per progress step would be noise.
    if (lastResort) await this.post(lastResort);
  }

  /** A new message in the interaction's channel, as the bot. Only public results and bodiless pointers come here. */
  private async post(body: MessageBody): Promise<void> {
    await this.rest.post(Routes.channelMessages(this.opts.channelId), { body });
  }
}
