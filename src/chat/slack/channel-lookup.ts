import { webApi } from '@slack/bolt';
import type { SlackApi } from './api.js';

const TTL_MS = 10 * 60_000;
/** A failed look-up is retried sooner: the usual cause is that Firebreak was not invited yet, and people fix that. */
const FAILED_TTL_MS = 30_000;

/**
 * Channel id → its real name, for the channel guards and the timeline. Slack does not always send
 * the name: slash commands from a private channel historically carry channel_name "privategroup",
 * and a button click may carry no channel name at all. Guards allow incident channels by name
 * (#inc-…), so without the real name a private incident channel would be refused.
 *
 * "directmessage" is not looked up: a DM has no name in Slack (conversations.info returns none),
 * so the call could never help and would need the im:read scope Firebreak otherwise does not ask for.
 */
export class ChannelNames {
  private readonly cache = new Map<string, { name: string; until: number }>();

  constructor(private readonly api: SlackApi) {}

  /** Slack's placeholders instead of a name; any other given name is the real one and is used as is. */
  static needsLookup(given: string | undefined): boolean {
    return given === undefined || given === '' || given === 'privategroup';
  }

  async name(channelId: string, given: string | undefined): Promise<string> {
    if (!ChannelNames.needsLookup(given)) return given!;
    const hit = this.cache.get(channelId);
    if (hit && hit.until > Date.now()) return hit.name;
    // A placeholder is not a name: unresolved, the channel is nameless and the guards say so.
    let name = '';
    let ttl = FAILED_TTL_MS;
    try {
      const r = await this.api.call('conversations.info', channelId, () => this.api.client.conversations.info({ channel: channelId }));
      if (r.channel?.name) {
        name = r.channel.name;
        ttl = TTL_MS;
      }
    } catch (err) {
      // Rate limits are not logged by SlackApi.call, and a 30 s refusal of a private incident
      // channel with no word anywhere would be a mystery: say it, and do not remember the failure.
      if ((err as { code?: unknown })?.code === webApi.ErrorCode.RateLimitedError) {
        this.api.logger.warn({ channel: channelId }, 'Slack rate-limited conversations.info; the channel name is unknown for this request');
        return name;
      }
      // Other errors are logged by SlackApi.call.
    }
    this.cache.set(channelId, { name, until: Date.now() + ttl });
    return name;
  }
}
