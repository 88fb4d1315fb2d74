import { REST } from 'discord.js';

export const DEFAULT_DISCORD_API_URL = 'https://discord.com/api';

/**
 * discord.js's REST client: it keeps Discord's per-route buckets and waits out 429s
 * (Retry-After) before retrying, so callers never see a rate limit as a lost message.
 * `apiUrl` (DISCORD_API_URL) points it at a proxy or a local fake; "/v10" is appended.
 */
export function createDiscordRest(opts: { botToken?: string; apiUrl?: string }): REST {
  const rest = new REST({ api: (opts.apiUrl ?? DEFAULT_DISCORD_API_URL).replace(/\/+$/, ''), version: '10' });
  if (opts.botToken) rest.setToken(opts.botToken);
  return rest;
}
