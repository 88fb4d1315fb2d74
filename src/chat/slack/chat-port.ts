import type { ChannelTarget, ChatPlatformPort, MessageRef, SendOptions } from '../../core/chat-port.js';
import type { ChannelRef } from '../../core/identity.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { fitEscaped } from '../fit-escaped.js';
import { escapeMrkdwn } from './markdown.js';
import { renderBlocks } from './render.js';
import { SlackCallError, type CallOptions, type SlackApi } from './api.js';
import { slackChannelName, slackChannelNameCandidate } from './channel-name.js';

export const SLACK_PLATFORM = 'slack';

/** Slack's limit on a channel topic (conversations.setTopic answers too_long above it). */
export const SLACK_TOPIC_MAX = 250;
/** `name`, `name-2` … `name-20`: past that, something other than a busy incident day is wrong. */
const NAME_ATTEMPTS = 20;
/** Channel operations do not go through the message pacer, so they wait out 429s themselves. */
const CHANNEL_OP: CallOptions = { waitOutRateLimits: true };
/** Why an ephemeral message cannot be shown in that channel; the user gets a direct message instead. */
const EPHEMERAL_UNDELIVERABLE = ['user_not_in_channel', 'not_in_channel', 'channel_not_found', 'is_archived'];

const codeOf = (err: unknown) => (err instanceof SlackCallError ? err.code : undefined);

/** What alerts, incidents and scheduled jobs ask of Slack on their own (not in reply to a user). */
export class SlackChatPort implements ChatPlatformPort {
  readonly platform = SLACK_PLATFORM;
  private readonly idsByName = new Map<string, string>();
  private readonly dmByUser = new Map<string, string>();

  constructor(
    private readonly api: SlackApi,
    /** Alerts, incident summaries and reports carry tool output and config values: masked in the renderer. */
    private readonly redactor: Redactor,
    /** Resolves when in-flight interactions and queued messages are done (shutdown, tests). */
    readonly idle: () => Promise<void> = () => api.pacer.idle(),
  ) {}

  /** The name createChannel would try first for `desired` (it may still get `-2`… if taken). */
  channelNameFor(desired: string): string {
    return slackChannelName(desired);
  }

  /** `opts.priority` places it in the channel's queue (see OutboundPriority), for every message method here. */
  async postMessage(channel: ChannelTarget, reply: Reply, opts: SendOptions = {}): Promise<MessageRef> {
    const id = 'id' in channel ? channel.id : await this.channelId(channel.name);
    const r = await this.api.postMessage(id, this.render(reply), { priority: opts.priority });
    return { platform: SLACK_PLATFORM, channelId: r.channel, messageId: r.ts };
  }

  async updateMessage(ref: MessageRef, reply: Reply, opts: SendOptions = {}): Promise<void> {
    await this.api.updateMessage(ref.channelId, ref.messageId, this.render(reply), { priority: opts.priority });
  }

  async replyInThread(parent: MessageRef, reply: Reply, opts: SendOptions = {}): Promise<MessageRef> {
    const r = await this.api.postMessage(parent.channelId, this.render(reply), { threadTs: parent.messageId, priority: opts.priority });
    return { platform: SLACK_PLATFORM, channelId: r.channel, messageId: r.ts };
  }

  /**
   * Ephemeral in `channelId` when given. Slack cannot show an ephemeral message to someone who is
   * not in the channel (or in a channel Firebreak cannot post to), so then, and without a channel,
   * it is a direct message from Firebreak: private either way.
   */
  async sendPrivate(userId: string, reply: Reply, opts: { channelId?: string } & SendOptions = {}): Promise<void> {
    const msg = this.render(reply);
    if (opts.channelId) {
      try {
        await this.api.postEphemeral(opts.channelId, userId, msg, { expected: EPHEMERAL_UNDELIVERABLE, priority: opts.priority });
        return;
      } catch (err) {
        const code = codeOf(err);
        if (!code || !EPHEMERAL_UNDELIVERABLE.includes(code)) throw err;
        this.api.logger.info({ channel: opts.channelId, user: userId, slackError: code }, 'Slack: the private message cannot be shown in that channel; sending it as a direct message');
      }
    }
    await this.api.postMessage(await this.directMessageChannel(userId), msg, { priority: opts.priority });
  }

  /**
   * Creates `desired` made into a name Slack accepts (slackChannelName). Slack refuses a name in use,
   * archived channels included (name_taken), so `-2`, `-3`… are tried in turn.
   */
  async createChannel(desired: string, opts: { topic?: string; private?: boolean } = {}): Promise<ChannelRef> {
    const base = slackChannelName(desired);
    for (let n = 1; n <= NAME_ATTEMPTS; n++) {
      const name = slackChannelNameCandidate(base, n);
      let created;
      try {
        created = await this.api.call('conversations.create', `#${name}`, () => this.api.client.conversations.create({ name, is_private: opts.private === true }), {
          ...CHANNEL_OP,
          expected: ['name_taken'],
        });
      } catch (err) {
        if (codeOf(err) === 'name_taken') continue;
        throw err;
      }
      const id = created.channel?.id;
      if (!id) throw new SlackCallError('conversations.create', 'invalid_response', `Slack created #${name} but returned no channel id.`);
      const actualName = created.channel?.name ?? name;
      this.idsByName.set(actualName, id);
      if (opts.topic) await this.setTopic(id, opts.topic);
      return { platform: SLACK_PLATFORM, id, name: actualName, ...(created.channel?.context_team_id ? { workspace: created.channel.context_team_id } : {}) };
    }
    const last = slackChannelNameCandidate(base, NAME_ATTEMPTS);
    const message = `Slack channels #${base} through #${last} are all taken (archived channels keep their names): choose another name.`;
    this.api.logger.error({ method: 'conversations.create', slackError: 'name_taken' }, message);
    throw new SlackCallError('conversations.create', 'name_taken', message);
  }

  async inviteToChannel(channelId: string, userIds: string[]): Promise<void> {
    if (userIds.length === 0) return;
    // Without force, one responder already in the channel would keep every other one out.
    const done = ['already_in_channel', 'cant_invite_self'];
    try {
      await this.api.call('conversations.invite', channelId, () => this.api.client.conversations.invite({ channel: channelId, users: userIds.join(','), force: true }), {
        ...CHANNEL_OP,
        expected: done,
      });
    } catch (err) {
      // Already there (or it is Firebreak itself): what we wanted anyway.
      if (done.includes(codeOf(err) ?? '')) return;
      throw err;
    }
  }

  /**
   * Masked and escaped like a message (a topic shows `<!subteam^…>` as a mention and `<url|text>` as
   * a link), then cut to Slack's 250 characters with an ellipsis — before escaping, so no entity is
   * cut in half.
   */
  async setTopic(channelId: string, topic: string): Promise<void> {
    const text = fitEscaped(this.redactor.redact(topic), SLACK_TOPIC_MAX, escapeMrkdwn);
    await this.api.call('conversations.setTopic', channelId, () => this.api.client.conversations.setTopic({ channel: channelId, topic: text }), CHANNEL_OP);
  }

  async pinMessage(ref: MessageRef): Promise<void> {
    try {
      await this.api.call('pins.add', ref.channelId, () => this.api.client.pins.add({ channel: ref.channelId, timestamp: ref.messageId }), { ...CHANNEL_OP, expected: ['already_pinned'] });
    } catch (err) {
      if (codeOf(err) === 'already_pinned') return;
      throw err;
    }
  }

  async archiveChannel(channelId: string): Promise<void> {
    try {
      await this.api.call('conversations.archive', channelId, () => this.api.client.conversations.archive({ channel: channelId }), { ...CHANNEL_OP, expected: ['already_archived'] });
    } catch (err) {
      if (codeOf(err) !== 'already_archived') throw err;
    }
    // Posting by name must not find the archived channel (its name stays taken in Slack).
    for (const [name, id] of this.idsByName) if (id === channelId) this.idsByName.delete(name);
  }

  private render(reply: Reply) {
    return renderBlocks(reply, {}, { redactor: this.redactor, log: this.api.logger });
  }

  /** The DM channel with a user (conversations.open, needs im:write); opened once, then cached. */
  private async directMessageChannel(userId: string): Promise<string> {
    const cached = this.dmByUser.get(userId);
    if (cached) return cached;
    const r = await this.api.call('conversations.open', userId, () => this.api.client.conversations.open({ users: userId }), CHANNEL_OP);
    const id = r.channel?.id;
    if (!id) throw new SlackCallError('conversations.open', 'invalid_response', `Slack opened no direct message channel with ${userId}.`);
    this.dmByUser.set(userId, id);
    return id;
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
