import type { ConsoleMessageStore } from '../../core/console-messages.js';
import type { Actor, ChannelRef } from '../../core/identity.js';
import { CONSOLE_PLATFORM } from '../../core/guards.js';

export function consoleActor(name: string): Actor {
  return { platform: CONSOLE_PLATFORM, id: name, name, handle: name };
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
