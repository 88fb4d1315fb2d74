import type { Actor, ChannelRef } from '../../core/identity.js';
import { CONSOLE_PLATFORM } from '../../core/guards.js';

export function consoleActor(name: string): Actor {
  return { platform: CONSOLE_PLATFORM, id: name, name, handle: name };
}

export const consoleChannel: ChannelRef = { platform: CONSOLE_PLATFORM, id: 'console', name: 'console' };
