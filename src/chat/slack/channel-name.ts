import { ChannelNameError, channelSlug, unusableNameMessage, withNumberSuffix } from '../../core/channel-slug.js';

/** Slack's limit on channel names (conversations.create answers invalid_name_maxlength above it). */
export const SLACK_CHANNEL_NAME_MAX = 80;

/**
 * The name Slack will accept for `desired`: lowercase a-z, 0-9, `-`, `_`, at most 80 chars.
 * Slack itself rejects anything else (invalid_name_specials) instead of fixing it, so we fix it
 * first, and incidents can show the name before creating the channel. Throws ChannelNameError
 * when nothing usable is left (a title of only emoji).
 */
export function slackChannelName(desired: string): string {
  const name = channelSlug(desired, SLACK_CHANNEL_NAME_MAX);
  if (!name) throw new ChannelNameError(unusableNameMessage(desired, 'Slack'));
  return name;
}

/** The `n`th candidate for a taken name: `name-2`, `name-3`…, still within Slack's 80 chars. */
export function slackChannelNameCandidate(name: string, n: number): string {
  return n <= 1 ? name : withNumberSuffix(name, n, SLACK_CHANNEL_NAME_MAX);
}
