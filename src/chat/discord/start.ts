import { RESTEvents } from 'discord.js';
import type { RuntimeEnv } from '../../config/env.js';
import type { InvocationDispatcher } from '../../core/invocation.js';
import type { Logger } from '../../core/ports.js';
import type { CorePorts } from '../../core/services.js';
import type { Router } from '../../http/router.js';
import { DiscordChat } from './chat-port.js';
import { createDiscordRest } from './api.js';
import { registerDiscordInteractions } from './interactions.js';

/** How long shutdown waits for deferred results to reach Discord before giving up on them. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

export interface StartedDiscord {
  /** The chat port for messages Firebreak sends on its own. */
  chat: DiscordChat;
  /**
   * Waits (up to the drain timeout) for deferred commands to finish and their results to reach
   * Discord; logs any it had to abandon. Call before closing the store.
   */
  drain(): Promise<void>;
}
import { discordPublicKey } from './verify-signature.js';

/**
 * Turns Discord on when the application id and public key are set: the interactions endpoint
 * on the shared router, and the chat port for messages Firebreak sends on its own.
 * Returns null (and says why in the log) when Discord is not configured or its public key is
 * malformed: like a bad Slack app token, that is one clear log line, not a crashed process,
 * so Slack, webhooks and the console keep working.
 */
export function startDiscord(
  router: Router,
  deps: {
    runtime: RuntimeEnv;
    dispatcher: InvocationDispatcher;
    ports: CorePorts;
    logger: Logger;
    /** Told of every 429 discord.js meets (firebreak_chat_rate_limited_total); it waits them out itself. */
    onRateLimited?: () => void;
    deferAfterMs?: number;
    tokenLifetimeMs?: number;
    drainTimeoutMs?: number;
    /** chat.max_waiting: slash commands still running past which a new one is refused as busy. */
    maxWaiting?: number;
  },
): StartedDiscord | null {
  const { applicationId, publicKey, botToken, apiUrl } = deps.runtime.discord;
  if (!applicationId || !publicKey) {
    if (applicationId || publicKey || botToken) {
      deps.logger.warn({}, 'Discord is off: set both DISCORD_APPLICATION_ID and DISCORD_PUBLIC_KEY to receive interactions.');
    }
    return null;
  }
  try {
    discordPublicKey(publicKey);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    deps.logger.error({}, why.includes('DISCORD_PUBLIC_KEY') ? `Discord is off: ${why}` : `Discord is off: DISCORD_PUBLIC_KEY is not a usable Ed25519 public key (${why}).`);
    return null;
  }
  const rest = createDiscordRest({ botToken, apiUrl });
  const onRateLimited = deps.onRateLimited;
  if (onRateLimited) rest.on(RESTEvents.RateLimited, () => onRateLimited());
  const chat = new DiscordChat(rest, deps.logger, deps.ports.redactor);
  const interactions = registerDiscordInteractions(router, {
    publicKey,
    applicationId,
    dispatcher: deps.dispatcher,
    registry: deps.ports.registry,
    deliveries: deps.ports.deliveries,
    rest,
    chat,
    logger: deps.logger,
    redactor: deps.ports.redactor,
    deferAfterMs: deps.deferAfterMs,
    tokenLifetimeMs: deps.tokenLifetimeMs,
    maxWaiting: deps.maxWaiting,
    onGuild: (g) => chat.learnGuild(g),
  });
  if (!botToken) deps.logger.warn({}, 'DISCORD_BOT_TOKEN is not set: commands work, but Firebreak cannot post alerts, create incident channels, or deliver results of commands that outlast Discord\'s 15-minute interaction token.');
  deps.logger.info({ applicationId }, 'Discord interactions endpoint at POST /discord/interactions');
  const drainTimeoutMs = deps.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  return {
    chat,
    async drain() {
      if (interactions.inFlight > 0) deps.logger.info({ inFlight: interactions.inFlight }, 'Discord: waiting for deferred commands to deliver their results');
      const abandoned = await interactions.drain(drainTimeoutMs);
      if (abandoned.length) {
        deps.logger.error({ abandoned }, `Discord: shutting down with ${abandoned.length} deferred command(s) still running after ${drainTimeoutMs} ms; their results will not be delivered`);
      }
    },
  };
}
