import { ChannelType, OverwriteType, PermissionFlagsBits, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { ChannelTarget, ChatPlatformPort, MessageRef } from '../../core/chat-port.js';
import type { ChannelRef } from '../../core/identity.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { fitEscaped } from '../fit-escaped.js';
import { DISCORD_CHANNEL_NAME_MAX, discordChannelName, discordChannelNameCandidate } from './channel-name.js';
import { escapeDiscordMarkdown } from './markdown.js';
import { DiscordOperationError, explainDiscordError } from './errors.js';
import { DISCORD_PLATFORM } from './platform-id.js';
import { renderDiscord } from './render.js';

const messageSchema = z.object({ id: z.string(), channel_id: z.string() });
const channelSchema = z.object({ id: z.string(), name: z.string().nullish(), type: z.number() });
const overwriteSchema = z.object({ id: z.string(), type: z.number(), allow: z.string(), deny: z.string() });
const channelDetailSchema = channelSchema.extend({ guild_id: z.string().nullish(), permission_overwrites: z.array(overwriteSchema).nullish() });
const guildsSchema = z.array(z.object({ id: z.string() }));
const userSchema = z.object({ id: z.string() });

type Overwrite = z.infer<typeof overwriteSchema>;

/** Discord's limit on a channel topic. */
export const DISCORD_TOPIC_MAX = 1024;
/** An archived channel's name starts with this (Discord has no archive for text channels). */
export const ARCHIVED_PREFIX = 'archived-';
const NAME_ATTEMPTS = 20;
/** What the bot keeps on a private or archived channel, so it can still post and update there. */
const BOT_ALLOW = PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.EmbedLinks;
/** Everything that adds to an archived channel; reading stays allowed. */
const POSTING =
  PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads | PermissionFlagsBits.CreatePublicThreads | PermissionFlagsBits.CreatePrivateThreads;

/**
 * The Discord side of ChatPlatformPort, for messages Firebreak sends on its own (alerts,
 * incident channels). Needs DISCORD_BOT_TOKEN. The guild is the one given, else the one
 * interactions come from, else the bot's only guild. Every failure is a DiscordOperationError
 * whose message says what to do.
 */
export class DiscordChat implements ChatPlatformPort {
  readonly platform = DISCORD_PLATFORM;
  private guildId: string | undefined;
  private botId: string | undefined;
  private readonly dmByUser = new Map<string, string>();

  constructor(
    private readonly rest: REST,
    private readonly logger: Logger,
    /** Alerts, summaries and reports carry tool output and config values: masked in the renderer. */
    private readonly redactor: Redactor,
    opts: { guildId?: string } = {},
  ) {
    this.guildId = opts.guildId;
  }

  /** Interactions tell us which guild the bot serves. */
  learnGuild(guildId: string): void {
    this.guildId ??= guildId;
  }

  /** The name createChannel would try first for `desired` (it may still get `-2`… if taken). */
  channelNameFor(desired: string): string {
    return discordChannelName(desired);
  }

  async postMessage(channel: ChannelTarget, reply: Reply): Promise<MessageRef> {
    return this.op('post the message', async () => {
      const channelId = 'id' in channel ? channel.id : await this.channelIdByName(channel.name);
      const msg = messageSchema.parse(await this.rest.post(Routes.channelMessages(channelId), { body: messageBody(reply, this.redactor) }));
      return { platform: DISCORD_PLATFORM, channelId: msg.channel_id, messageId: msg.id };
    });
  }

  async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    await this.op('update the message', () => this.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), { body: messageBody(reply, this.redactor) }));
  }

  /**
   * Discord's reply: a message in the same channel that quotes the parent. If the parent was
   * deleted meanwhile it is posted as a plain message rather than lost (fail_if_not_exists: false).
   */
  async replyInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
    return this.op('reply to the message', async () => {
      const rendered = messageBody(reply, this.redactor);
      const body = {
        ...rendered,
        // A reply pings the parent's author by default; Firebreak's replies ping only the reply's own mentions.
        allowed_mentions: { ...rendered.allowed_mentions, replied_user: false },
        message_reference: { message_id: parent.messageId, fail_if_not_exists: false },
      };
      const msg = messageSchema.parse(await this.rest.post(Routes.channelMessages(parent.channelId), { body }));
      return { platform: DISCORD_PLATFORM, channelId: msg.channel_id, messageId: msg.id };
    });
  }

  /** A direct message: outside an interaction Discord has no message only one person sees. */
  async sendPrivate(userId: string, reply: Reply): Promise<void> {
    await this.op(`send a direct message to user ${userId}`, async () => {
      let dm = this.dmByUser.get(userId);
      if (!dm) {
        dm = userSchema.parse(await this.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })).id;
        this.dmByUser.set(userId, dm);
      }
      await this.rest.post(Routes.channelMessages(dm), { body: messageBody(reply, this.redactor) });
    });
  }

  /**
   * A text channel named after `desired` (discordChannelName). Discord allows two channels with one
   * name, but incidents (and posting by name) treat a name as one channel, so a name in use gets
   * `-2`, `-3`… as on Slack. Private: hidden from @everyone (the guild id is that role's id), visible
   * to the bot; inviteToChannel lets responders in.
   */
  async createChannel(desired: string, opts: { topic?: string; private?: boolean; parentId?: string } = {}): Promise<ChannelRef> {
    const base = discordChannelName(desired);
    return this.op(`create the channel #${base}`, async () => {
      const guildId = await this.guild();
      const existing = z.array(channelSchema).parse(await this.rest.get(Routes.guildChannels(guildId)));
      const taken = new Set(existing.map((c) => c.name?.toLowerCase()));
      let name: string | undefined;
      for (let n = 1; n <= NAME_ATTEMPTS && !name; n++) {
        const candidate = discordChannelNameCandidate(base, n);
        if (!taken.has(candidate)) name = candidate;
      }
      if (!name) {
        throw new DiscordOperationError(`Discord channels #${base} through #${discordChannelNameCandidate(base, NAME_ATTEMPTS)} all exist already: choose another name.`);
      }
      const overwrites = opts.private
        ? [
            { id: guildId, type: OverwriteType.Role, allow: '0', deny: PermissionFlagsBits.ViewChannel.toString() },
            { id: await this.botUserId(), type: OverwriteType.Member, allow: BOT_ALLOW.toString(), deny: '0' },
          ]
        : undefined;
      const body = {
        name,
        type: ChannelType.GuildText,
        ...(opts.topic ? { topic: this.topicText(opts.topic) } : {}),
        ...(opts.parentId ? { parent_id: opts.parentId } : {}),
        ...(overwrites ? { permission_overwrites: overwrites } : {}),
      };
      const created = channelSchema.parse(await this.rest.post(Routes.guildChannels(guildId), { body, reason: 'Firebreak: incident channel' }));
      return { platform: DISCORD_PLATFORM, id: created.id, name: created.name ?? name, workspace: guildId };
    });
  }

  /**
   * Discord has no channel invitations for guild members: everyone who can see a channel is in it.
   * "Inviting" grants each user view and send permission on the channel, which matters when the
   * channel is private; on a public channel it changes nothing they could not already do.
   */
  async inviteToChannel(channelId: string, userIds: string[]): Promise<void> {
    const allow = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory).toString();
    await this.op('give the responders access to the channel', async () => {
      for (const userId of userIds) {
        await this.rest.put(Routes.channelPermission(channelId, userId), { body: { type: OverwriteType.Member, allow, deny: '0' } });
      }
    });
    this.logger.info({ channelId, users: userIds.length }, 'Discord: granted incident responders access to the channel (Discord has no channel invites)');
  }

  /** Masked, escaped, cut to Discord's 1024 characters. Discord allows two channel edits (topic or name) per 10 minutes; the REST client waits. */
  async setTopic(channelId: string, topic: string): Promise<void> {
    await this.op('set the channel topic', () => this.rest.patch(Routes.channel(channelId), { body: { topic: this.topicText(topic) } }));
  }

  /** A topic renders Markdown and shows <@id> as a mention: masked and escaped like message text, then cut. */
  private topicText(topic: string): string {
    return fitEscaped(this.redactor.redact(topic), DISCORD_TOPIC_MAX, escapeDiscordMarkdown);
  }

  async pinMessage(ref: MessageRef): Promise<void> {
    await this.op('pin the message', () => this.rest.put(Routes.channelMessagesPin(ref.channelId, ref.messageId)));
  }

  /**
   * Discord text channels cannot be archived, so this is the nearest honest thing: the channel is
   * renamed `archived-<name>` and made read-only. Nobody may post or start threads in it any more
   * (denied to @everyone, and taken out of every other overwrite, responders' included); the bot
   * keeps posting rights for a last update. Who could read it still can. Doing it again changes nothing.
   */
  async archiveChannel(channelId: string): Promise<void> {
    await this.op('archive the channel', async () => {
      const ch = channelDetailSchema.parse(await this.rest.get(Routes.channel(channelId)));
      const everyoneId = ch.guild_id ?? (await this.guild());
      const botId = await this.botUserId();
      const name = ch.name ?? channelId;
      const body = {
        name: name.startsWith(ARCHIVED_PREFIX) ? name : `${ARCHIVED_PREFIX}${name}`.slice(0, DISCORD_CHANNEL_NAME_MAX),
        permission_overwrites: readOnlyOverwrites(ch.permission_overwrites ?? [], everyoneId, botId),
      };
      await this.rest.patch(Routes.channel(channelId), { body, reason: 'Firebreak: incident channel archived' });
    });
  }

  /** Runs a REST call; a failure becomes one sentence saying what Firebreak tried and what to fix. */
  private async op<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const explained = explainDiscordError(err, what);
      this.logger.error({ err: explained.message }, `Discord: ${explained.message}`);
      throw explained;
    }
  }

  private async botUserId(): Promise<string> {
    this.botId ??= userSchema.parse(await this.rest.get(Routes.user())).id;
    return this.botId;
  }

  private async guild(): Promise<string> {
    if (this.guildId) return this.guildId;
    const guilds = guildsSchema.parse(await this.rest.get(Routes.userGuilds()));
    if (guilds.length === 1 && guilds[0]) return (this.guildId = guilds[0].id);
    throw new DiscordOperationError(
      `Firebreak cannot tell which Discord server to use: the bot is in ${guilds.length} servers and none has sent it a command yet. Run any Firebreak command in the server first.`,
    );
  }

  private async channelIdByName(name: string): Promise<string> {
    const guildId = await this.guild();
    const wanted = name.replace(/^#/, '');
    const channels = z.array(channelSchema).parse(await this.rest.get(Routes.guildChannels(guildId)));
    const found = channels.find((c) => c.name === wanted && c.type === ChannelType.GuildText);
    if (!found) throw new DiscordOperationError(`There is no text channel #${wanted} in the Discord server ${guildId}; create it or fix chat.incidents_channel.`);
    return found.id;
  }
}

/** A channel message body: renderDiscord's, without the ephemeral flag that only interactions have. */
function messageBody(reply: Reply, redactor: Redactor) {
  const { flags: _ephemeralIsForInteractionsOnly, ...body } = renderDiscord(reply, redactor);
  return body;
}

/** The overwrites of a read-only channel: nobody but the bot may post; reading is left as it was. */
function readOnlyOverwrites(current: Overwrite[], everyoneId: string, botId: string): Overwrite[] {
  const without = (bits: string, remove: bigint) => (BigInt(bits) & ~remove).toString();
  const out = current.filter((o) => o.id !== everyoneId && o.id !== botId).map((o) => ({ ...o, allow: without(o.allow, POSTING) }));
  const everyone = current.find((o) => o.id === everyoneId);
  out.push({ id: everyoneId, type: OverwriteType.Role, allow: without(everyone?.allow ?? '0', POSTING), deny: (BigInt(everyone?.deny ?? '0') | POSTING).toString() });
  const bot = current.find((o) => o.id === botId);
  out.push({ id: botId, type: OverwriteType.Member, allow: (BigInt(bot?.allow ?? '0') | BOT_ALLOW).toString(), deny: without(bot?.deny ?? '0', BOT_ALLOW) });
  return out;
}
