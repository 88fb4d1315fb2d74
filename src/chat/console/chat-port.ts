import type { ChannelTarget, ChatPlatformPort, MessageRef } from '../../core/chat-port.js';
import type { ConsoleChannel, ConsoleMessage, ConsoleMessageStore } from '../../core/console-messages.js';
import { CONSOLE_PLATFORM } from '../../core/guards.js';
import type { ChannelRef } from '../../core/identity.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';

/** One sentence a person can act on, like the other platforms' errors. */
export class ConsoleChatError extends Error {
  override readonly name = 'ConsoleChatError';
}

/** Like Slack's limit, so a name that works here also fits there. */
const MAX_CHANNEL_NAME = 80;

/**
 * The console as a chat platform: what the system posts is kept in the store, where
 * `firebreak console` (this process or another) shows it and presses its buttons. Channels are
 * addressed by name like Slack's (#incidents exists as soon as something is posted there); ids are
 * the store's own ("C12"), so code that mixes up ids and names fails here as it would on Slack.
 */
export class ConsoleChatPort implements ChatPlatformPort {
  readonly platform = CONSOLE_PLATFORM;

  constructor(
    private readonly store: ConsoleMessageStore,
    /** What is stored is what `firebreak console` shows: masked like everything that leaves Firebreak. */
    private readonly redactor?: Redactor,
  ) {}

  private masked(reply: Reply): Reply {
    return this.redactor ? this.redactor.redactValue(reply) : reply;
  }

  async postMessage(target: ChannelTarget, reply: Reply): Promise<MessageRef> {
    const channel = 'id' in target ? await this.existing(target.id) : await this.store.ensureChannel(namedChannel(target.name));
    this.open(channel);
    return refOf(await this.store.post({ channelId: channel.id, reply: this.masked(reply) }));
  }

  async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    const updated = await this.store.update(this.messageId(ref), this.masked(reply));
    if (!updated) throw new ConsoleChatError(`There is no console message ${ref.messageId} to update; it may belong to another store.`);
  }

  async replyInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
    const message = await this.store.message(this.messageId(parent));
    if (!message?.channel) throw new ConsoleChatError(`There is no console message ${parent.messageId} in a channel to reply under.`);
    this.open(await this.existing(message.channel.id));
    // One level of threads, as on Slack: a reply to a reply joins the first message's thread.
    return refOf(await this.store.post({ channelId: message.channel.id, threadParentId: message.threadParentId ?? message.id, reply: this.masked(reply) }));
  }

  async sendPrivate(userId: string, reply: Reply, opts: { channelId?: string } = {}): Promise<void> {
    if (userId.trim() === '') throw new ConsoleChatError('A private console message needs the user it is for.');
    const channelId = opts.channelId !== undefined ? (await this.existing(opts.channelId)).id : null;
    await this.store.post({ channelId, privateTo: userId, reply: this.masked(reply) });
  }

  async createChannel(name: string, opts: { topic?: string; private?: boolean } = {}): Promise<ChannelRef> {
    const topic = opts.topic !== undefined && this.redactor ? this.redactor.redact(opts.topic) : opts.topic;
    const created = await this.store.createChannel(channelNameFor(name), { ...opts, topic });
    return { platform: CONSOLE_PLATFORM, id: created.id, name: created.name };
  }

  async inviteToChannel(channelId: string, userIds: string[]): Promise<void> {
    if (!(await this.store.addMembers(channelId, userIds))) throw noChannel(channelId);
  }

  async setTopic(channelId: string, topic: string): Promise<void> {
    if (!(await this.store.setTopic(channelId, this.redactor ? this.redactor.redact(topic) : topic))) throw noChannel(channelId);
  }

  async pinMessage(ref: MessageRef): Promise<void> {
    if (!(await this.store.pin(this.messageId(ref)))) throw new ConsoleChatError(`There is no console message ${ref.messageId} to pin.`);
  }

  async archiveChannel(channelId: string): Promise<void> {
    if (!(await this.store.archive(channelId))) throw noChannel(channelId);
  }

  private async existing(channelId: string): Promise<ConsoleChannel> {
    const channel = await this.store.channel(channelId);
    if (!channel) throw noChannel(channelId);
    return channel;
  }

  private open(channel: ConsoleChannel): void {
    if (channel.archived) throw new ConsoleChatError(`Console channel #${channel.name} is archived; post to another channel.`);
  }

  private messageId(ref: MessageRef): number {
    if (ref.platform !== CONSOLE_PLATFORM) throw new ConsoleChatError(`Message ${ref.messageId} is on ${ref.platform}, not the console.`);
    const id = Number(ref.messageId);
    if (!Number.isSafeInteger(id) || id <= 0) throw new ConsoleChatError(`"${ref.messageId}" is not a console message id (a positive number).`);
    return id;
  }
}

function refOf(m: ConsoleMessage): MessageRef {
  return { platform: CONSOLE_PLATFORM, channelId: m.channel?.id ?? '', messageId: String(m.id) };
}

function noChannel(id: string): ConsoleChatError {
  return new ConsoleChatError(`There is no console channel with id ${id}.`);
}

/** A channel addressed by name: `#incidents` and `incidents` are the same channel. */
function namedChannel(name: string): string {
  const bare = name.replace(/^#/, '').trim();
  if (bare === '') throw new ConsoleChatError('A console channel needs a name, e.g. incidents.');
  return bare;
}

/** As close to `name` as a channel name can be: one lowercase word of at most 80 characters. */
export function channelNameFor(name: string): string {
  const cleaned = namedChannel(name)
    .toLowerCase()
    .replace(/[\p{Cc}\s]+/gu, '-')
    .replace(/^-+|-+$/g, '');
  if (cleaned === '') throw new ConsoleChatError(`"${name}" has nothing a console channel name can use; use letters, digits or dashes.`);
  // Leaves room for a -NNN suffix when the name is taken.
  return [...cleaned].slice(0, MAX_CHANNEL_NAME - 4).join('');
}
