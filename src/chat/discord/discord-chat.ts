import { ChannelType, OverwriteType, PermissionFlagsBits, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { ChatPlatformPort, MessageRef } from '../../core/chat-port.js';
import type { ChannelRef } from '../../core/identity.js';
import type { Logger } from '../../core/ports.js';
import type { Redactor } from '../../core/redact.js';
import type { Reply } from '../../core/reply.js';
import { DISCORD_PLATFORM } from './interactions-endpoint.js';
import { renderDiscord } from './render-discord.js';

const messageSchema = z.object({ id: z.string(), channel_id: z.string() });
const channelSchema = z.object({ id: z.string(), name: z.string().nullish(), type: z.number() });
const guildsSchema = z.array(z.object({ id: z.string() }));

/** Discord channel names: lowercase, no spaces, at most 100 chars. */
export function discordChannelName(name: string): string {
  return name.toLowerCase().replace(/^#/, '').replace(/[^a-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '').slice(0, 100) || 'incident';
}

/**
 * The Discord side of ChatPlatformPort, for messages Firebreak sends on its own (alerts,
 * incident channels). Needs DISCORD_BOT_TOKEN. The guild is the one given, else the one
 * interactions come from, else the bot's only guild.
 */
export class DiscordChat implements ChatPlatformPort {
  readonly platform = DISCORD_PLATFORM;
  private guildId: string | undefined;

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

  async postMessage(channel: { id: string } | { name: string }, reply: Reply): Promise<MessageRef> {
    const channelId = 'id' in channel ? channel.id : await this.channelIdByName(channel.name);
    const { flags: _ephemeralIsForInteractionsOnly, ...body } = renderDiscord(reply, this.redactor);
    const msg = messageSchema.parse(await this.rest.post(Routes.channelMessages(channelId), { body }));
    return { platform: DISCORD_PLATFORM, channelId: msg.channel_id, messageId: msg.id };
  }

  async updateMessage(ref: MessageRef, reply: Reply): Promise<void> {
    const { flags: _ignored, ...body } = renderDiscord(reply, this.redactor);
    await this.rest.patch(Routes.channelMessage(ref.channelId, ref.messageId), { body });
  }

  async createChannel(name: string, opts: { topic?: string } = {}): Promise<ChannelRef> {
    const guildId = await this.guild();
    const created = channelSchema.parse(
      await this.rest.post(Routes.guildChannels(guildId), {
        body: { name: discordChannelName(name), type: ChannelType.GuildText, ...(opts.topic ? { topic: opts.topic.slice(0, 1024) } : {}) },
      }),
    );
    return { platform: DISCORD_PLATFORM, id: created.id, name: created.name ?? discordChannelName(name) };
  }

  /**
   * Discord has no channel invitations for guild members: everyone who can see a channel is in it.
   * "Inviting" grants each user view and send permission on the channel, which matters when the
   * channel is private; on a public channel it changes nothing they could not already do.
   */
  async inviteToChannel(channelId: string, userIds: string[]): Promise<void> {
    const allow = (PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.ReadMessageHistory).toString();
    for (const userId of userIds) {
      await this.rest.put(Routes.channelPermission(channelId, userId), { body: { type: OverwriteType.Member, allow, deny: '0' } });
    }
    this.logger.info({ channelId, users: userIds.length }, 'Discord: granted incident responders access to the channel (Discord has no channel invites)');
  }

  async pinMessage(ref: MessageRef): Promise<void> {
    await this.rest.put(Routes.channelMessagesPin(ref.channelId, ref.messageId));
  }

  private async guild(): Promise<string> {
    if (this.guildId) return this.guildId;
    const guilds = guildsSchema.parse(await this.rest.get(Routes.userGuilds()));
    if (guilds.length === 1 && guilds[0]) return (this.guildId = guilds[0].id);
    throw new Error(
      `Firebreak cannot tell which Discord server to use: the bot is in ${guilds.length} servers and none has sent it a command yet. Run any Firebreak command in the server first.`,
    );
  }

  private async channelIdByName(name: string): Promise<string> {
    const guildId = await this.guild();
    const wanted = name.replace(/^#/, '');
    const channels = z.array(channelSchema).parse(await this.rest.get(Routes.guildChannels(guildId)));
    const found = channels.find((c) => c.name === wanted && c.type === ChannelType.GuildText);
    if (!found) throw new Error(`There is no text channel #${wanted} in the Discord server ${guildId}; create it or fix chat.incidents_channel.`);
    return found.id;
  }
}
