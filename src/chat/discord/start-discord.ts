import type { RuntimeEnv } from '../../config/env.js';
import type { Dispatcher } from '../../core/dispatcher.js';
import type { Logger } from '../../core/ports.js';
import type { Ports } from '../../core/services.js';
import type { Router } from '../../http/router.js';
import { DiscordChat } from './discord-chat.js';
import { createDiscordRest } from './discord-rest.js';
import { registerDiscordInteractions } from './interactions-endpoint.js';

/**
 * Turns Discord on when the application id and public key are set: the interactions endpoint
 * on the shared router, and the chat port for messages Firebreak sends on its own.
 * Returns null (and says why in the log) when Discord is not configured.
 */
export function startDiscord(
  router: Router,
  deps: { runtime: RuntimeEnv; dispatcher: Dispatcher; ports: Ports; logger: Logger; deferAfterMs?: number },
): DiscordChat | null {
  const { applicationId, publicKey, botToken, apiUrl } = deps.runtime.discord;
  if (!applicationId || !publicKey) {
    if (applicationId || publicKey || botToken) {
      deps.logger.warn({}, 'Discord is off: set both DISCORD_APPLICATION_ID and DISCORD_PUBLIC_KEY to receive interactions.');
    }
    return null;
  }
  const rest = createDiscordRest({ botToken, apiUrl });
  const chat = new DiscordChat(rest, deps.logger);
  registerDiscordInteractions(router, {
    publicKey,
    applicationId,
    dispatcher: deps.dispatcher,
    registry: deps.ports.registry,
    coordination: deps.ports.coordination,
    rest,
    logger: deps.logger,
    deferAfterMs: deps.deferAfterMs,
    onGuild: (g) => chat.learnGuild(g),
  });
  if (!botToken) deps.logger.warn({}, 'DISCORD_BOT_TOKEN is not set: commands work, but Firebreak cannot post alerts or create incident channels on Discord.');
  deps.logger.info({ applicationId }, 'Discord interactions endpoint at POST /discord/interactions');
  return chat;
}
