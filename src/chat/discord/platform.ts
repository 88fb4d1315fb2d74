import type { PlatformModule } from '../platform-module.js';

/**
 * Discord as a platform module: on when DISCORD_APPLICATION_ID or DISCORD_PUBLIC_KEY is set (both
 * are needed; with one, start says so and returns null). discord.js is loaded only when it starts.
 */
export const discordPlatform: PlatformModule = {
  id: 'discord',
  enabled: (runtime) => !!(runtime.discord.applicationId || runtime.discord.publicKey),
  async start(ctx) {
    const { startDiscord } = await import('./start.js');
    const discord = startDiscord(ctx.router, { runtime: ctx.runtime, dispatcher: ctx.dispatcher, ports: ctx.ports, logger: ctx.logger, onRateLimited: ctx.onRateLimited, maxWaiting: ctx.maxWaiting });
    if (!discord) return null;
    return { id: 'discord', chat: discord.chat, idle: () => discord.drain(), close: () => discord.drain() };
  },
};
