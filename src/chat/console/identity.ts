import type { ConsoleMessageStore } from '../../core/console-messages.js';
import type { Actor, ChannelRef } from '../../core/identity.js';
import { CONSOLE_PLATFORM } from '../../core/guards.js';

/** A console user: `name` is the OS user, or the `--as` name where the config allows it; `osUser` is who really ran it. */
export function consoleActor(name: string, osUser: string): Actor {
  return { platform: CONSOLE_PLATFORM, id: name, name, handle: name, osUser };
}

/**
 * The console user for a session, or the sentence that refuses `--as`. Without console.allow_as the
 * console user is the OS account: anyone at a terminal could otherwise be anyone in roles:.
 */
export function consoleUserFor(as: string | undefined, osUser: string, allowAs: boolean): { name: string } | { refusal: string } {
  if (as === undefined || as === osUser || allowAs) return { name: as ?? osUser };
  return { refusal: `--as ${as} is not allowed: the console user is your OS user (${osUser}) unless the config sets console.allow_as: true.` };
}

export const consoleChannel: ChannelRef = { platform: CONSOLE_PLATFORM, id: 'console', name: 'console' };

/**
 * Where a button pressed in the console runs: the channel of the posted message it was on (so the
 * timeline says #incidents, not the terminal), or the terminal's own channel for a typed command's card.
 */
export async function consoleChannelFor(store: ConsoleMessageStore, channelId: string | undefined): Promise<ChannelRef | null> {
  if (channelId === undefined || channelId === consoleChannel.id) return consoleChannel;
  const channel = await store.channel(channelId);
  return channel ? { platform: CONSOLE_PLATFORM, id: channel.id, name: channel.name } : null;
}
