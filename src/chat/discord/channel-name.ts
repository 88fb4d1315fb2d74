import { ChannelNameError, channelSlug, unusableNameMessage, withNumberSuffix } from '../../core/channel-slug.js';

/** Discord's limit on channel names. */
export const DISCORD_CHANNEL_NAME_MAX = 100;

/**
 * A text channel name as Discord shows it: lowercase, no spaces, at most 100 chars. Discord would
 * lowercase and dash it itself, but we need the final name up front to keep names unique
 * (Discord allows duplicates, Slack does not, and incidents treat a name as one channel).
 * Throws ChannelNameError when nothing usable is left.
 */
export function discordChannelName(desired: string): string {
  const name = channelSlug(desired, DISCORD_CHANNEL_NAME_MAX);
  if (!name) throw new ChannelNameError(unusableNameMessage(desired, 'Discord'));
  return name;
}

/** The `n`th candidate for a taken name: `name-2`, `name-3`…, within 100 chars. */
export function discordChannelNameCandidate(name: string, n: number): string {
  return n <= 1 ? name : withNumberSuffix(name, n, DISCORD_CHANNEL_NAME_MAX);
}
