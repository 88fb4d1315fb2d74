import { DiscordAPIError, HTTPError } from 'discord.js';
import { ChannelNameError } from '../../core/channel-slug.js';

/** A Discord operation that failed, with one sentence a person can act on. */
export class DiscordOperationError extends Error {
  override name = 'DiscordOperationError';
  constructor(
    message: string,
    /** Discord's JSON error code (50013 Missing Permissions, …), or the HTTP status when it sent none. */
    readonly code?: number | string,
  ) {
    super(message);
  }
}

/** Discord's JSON error codes we can say something useful about. */
const EXPLAINED: Record<number, string> = {
  10003: 'the channel does not exist any more',
  10008: 'the message does not exist any more',
  10013: 'Discord does not know that user',
  30013: 'the server already has the most channels Discord allows (500): delete some',
  50001: 'the bot cannot see that channel (Missing Access): give it View Channels there',
  50007: 'that user does not accept direct messages from server members',
  50013: 'the bot is missing a permission (Missing Permissions): give it Manage Channels and Manage Roles, see Discord setup in docs/discord.md',
};

/** `err` from a REST call made to `what` ("create #inc-x", "pin the message") as one sentence. */
export function explainDiscordError(err: unknown, what: string): Error {
  if (err instanceof DiscordOperationError || err instanceof ChannelNameError) return err;
  if (err instanceof DiscordAPIError) {
    if (err.status === 401) return new DiscordOperationError(`Discord refused the bot token while trying to ${what} (401): check DISCORD_BOT_TOKEN.`, 401);
    const known = typeof err.code === 'number' ? EXPLAINED[err.code] : undefined;
    if (known) return new DiscordOperationError(`Discord refused to ${what}: ${known}.`, err.code);
    return new DiscordOperationError(`Discord refused to ${what} (${err.status}, code ${err.code}): ${err.message}`, err.code);
  }
  if (err instanceof HTTPError) return new DiscordOperationError(`Discord answered ${err.status} while Firebreak tried to ${what}; it kept failing, try again later.`, err.status);
  return new DiscordOperationError(`Firebreak could not reach Discord to ${what}: ${err instanceof Error ? err.message : String(err)}`);
}
