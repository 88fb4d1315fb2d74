import type { FirebreakConfig } from '../config/schema.js';
import type { Actor, ChannelRef } from './identity.js';

/** The console is the operator's own terminal: channel rules are for shared chat rooms. */
export const CONSOLE_PLATFORM = 'console';

/**
 * A member entry matches "platform:userId", "platform:handle" or "*" — never a display name, which
 * anyone can set to a colleague's. Admins may do whatever any other role may, so a restore-capable
 * person never finds they cannot roll back.
 */
export function hasRole(config: FirebreakConfig, actor: Actor, role: string): boolean {
  const matches = (members: readonly string[] | undefined) =>
    !!members?.some((m) => m === '*' || m === `${actor.platform}:${actor.id}` || (actor.handle !== undefined && m === `${actor.platform}:${actor.handle}`));
  return matches(config.roles[role]) || matches(config.roles.admins);
}

/** False when the config limits this platform to some workspaces and the channel is in none of them (or in a DM). */
export function workspaceAllowed(config: FirebreakConfig, channel: ChannelRef): boolean {
  const allowed = (config.chat.workspaces as Record<string, readonly string[] | undefined>)[channel.platform];
  return !allowed || (channel.workspace !== undefined && allowed.includes(channel.workspace));
}

export function channelAllowed(config: FirebreakConfig, channel: ChannelRef): boolean {
  if (channel.platform === CONSOLE_PLATFORM) return true;
  if (!workspaceAllowed(config, channel)) return false;
  const chat = config.chat;
  const names = [channel.id, channel.name, channel.name.replace(/^#/, '')];
  if (names.includes(chat.incidents_channel) || names.includes(chat.incidents_channel.replace(/^#/, ''))) return true;
  if (chat.allowed_channels.some((c) => names.includes(c) || names.includes(c.replace(/^#/, '')))) return true;
  return channel.name.replace(/^#/, '').startsWith(chat.incident_channel_prefix);
}

export function allowedChannelsText(config: FirebreakConfig): string {
  const list = [config.chat.incidents_channel, ...config.chat.allowed_channels].map((c) => `#${c.replace(/^#/, '')}`);
  return `${list.join(', ')} and incident channels (#${config.chat.incident_channel_prefix}…)`;
}
