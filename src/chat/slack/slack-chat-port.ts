import type { ChatPlatformPort, MessageRef } from '../../core/chat-port.js';
import type { ChannelRef } from '../../core/identity.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { renderBlocks } from './render-blocks.js';
import { SlackCallError, type SlackApi } from './slack-api.js';

export const SLACK_PLATFORM = 'slack';

/** What alerts, incidents and scheduled jobs ask of Slack on their own (not in reply to a user). */
export class SlackChatPort implements ChatPlatformPort {
  readonly platform = SLACK_PLATFORM;
  private readonly idsByName = new Map<string, string>();

  constructor(
    private readonly api: SlackApi,
    /** Alerts, incident summaries and reports carry tool output and config values: masked in the renderer. */
    private readonly redactor: Redactor,
    /** Resolves when in-flight interactions and queued messages are done (shutdown, tests). */
    readonly idle: () => Promise<void> = () => api.pacer.idle(),
  ) {}

  async postMessage(channel: { id: string } | { name: string }, reply: Reply): Promise<MessageRef> {
    const id = 'id' in channel ? channel.id : await this.channelId(channel.name);
    const r = await this.api.postMessage(id, renderBlocks(reply, {}, { redactor: this.redactor, log: this.api.logger }));
    return { platform: SLACK_PLATFORM, channelId: r.channel, messageId: r.ts };
  }

  async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    await this.api.updateMessage(ref.channelId, ref.messageId, renderBlocks(reply, {}, { redactor: this.redactor, log: this.api.logger }));
  }

  async createChannel(name: string, opts: { topic?: string } = {}): Promise<ChannelRef> {
    const created = await this.api.call('conversations.create', name, () => this.api.client.conversations.create({ name, is_private: false }));
    const id = created.channel?.id;
    if (!id) throw new SlackCallError('conversations.create', 'invalid_response', `Slack created #${name} but returned no channel id.`);
    const actualName = created.channel?.name ?? name;
    this.idsByName.set(actualName, id);
    if (opts.topic) {
      const topic = opts.topic;
      await this.api.call('conversations.setTopic', id, () => this.api.client.conversations.setTopic({ channel: id, topic: topic.slice(0, 250) }));
    }
    return { platform: SLACK_PLATFORM, id, name: actualName };
  }

  async inviteToChannel(channelId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    try {
      await this.api.call('conversations.invite', channelId, () => this.api.client.conversations.invite({ channel: channelId, users: userIds.join(',') }));
    } catch (err) {
      // Inviting someone who is already there is what we wanted anyway.
      if (err instanceof SlackCallError && err.code === 'already_in_channel') return;
      throw err;
    }
  }

  async pinMessage(ref: MessageRef): Promise<void> {
    try {
      await this.api.call('pins.add', ref.channelId, () => this.api.client.pins.add({ channel: ref.channelId, timestamp: ref.messageId }));
    } catch (err) {
      if (err instanceof SlackCallError && err.code === 'already_pinned') return;
      throw err;
    }
  }

  /** Channel names → ids (chat.postMessage wants ids). Looked up once, then cached. */
  private async channelId(name: string): Promise<string> {
    const bare = name.replace(/^#/, '');
    const cached = this.idsByName.get(bare);
    if (cached) return cached;
    let cursor: string | undefined;
    do {
      const page = await this.api.call('conversations.list', `#${bare}`, () =>
        this.api.client.conversations.list({ types: 'public_channel,private_channel', exclude_archived: true, limit: 200, cursor }),
      );
      for (const c of page.channels ?? []) if (c.id && c.name) this.idsByName.set(c.name, c.id);
      const hit = this.idsByName.get(bare);
      if (hit) return hit;
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    throw new SlackCallError('conversations.list', 'channel_not_found', `There is no Slack channel #${bare} that Firebreak can see: create it, or /invite @firebreak if it is private.`);
  }
}
