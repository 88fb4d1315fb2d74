import { DiscordAPIError, Routes, type REST } from 'discord.js';
import { z } from 'zod';
import type { DiscordApplicationCommandJson } from './command-definitions.js';

export interface RegisterResult {
  scope: string;
  added: string[];
  updated: string[];
  removed: string[];
  unchanged: string[];
}

const existingSchema = z.array(z.object({ name: z.string() }).passthrough());

/** Fields of an option (at any depth) that a user sees; what Discord adds (ids, versions) is left out. */
const OPTION_KEYS = ['type', 'name', 'description', 'required', 'choices', 'min_value', 'max_value', 'min_length', 'max_length', 'options', 'value'];
/**
 * Top-level fields that change who can use a command and where: a change to any of them is an
 * update even when every option is the same, so "unchanged" never hides a permission change.
 */
const COMMAND_KEYS = [...OPTION_KEYS, 'contexts', 'default_member_permissions', 'nsfw', 'integration_types'];

const DEFAULT_INTEGRATION_TYPES = new Set(['0', '0,1']);

/** Discord echoes defaults we never send; they mean the same as leaving the field out. */
function isDefault(k: string, x: unknown): boolean {
  if (x === undefined || x === null || (Array.isArray(x) && x.length === 0)) return true;
  if ((k === 'required' || k === 'nsfw') && x === false) return true;
  // We never send integration_types, and Discord fills in the app's install contexts: [0]
  // (GUILD_INSTALL) or, with User Install enabled in the portal, [0, 1]. Either is the default;
  // treating only [0] so made every command on such an app report "updated" on every run.
  return k === 'integration_types' && Array.isArray(x) && DEFAULT_INTEGRATION_TYPES.has([...x].sort().join(','));
}

function comparable(v: unknown, keys: readonly string[] = OPTION_KEYS): unknown {
  if (Array.isArray(v)) return v.map((x) => comparable(x));
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const x = o[k];
    if (isDefault(k, x)) continue;
    out[k] = comparable(x);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(comparable(a, COMMAND_KEYS)) === JSON.stringify(comparable(b, COMMAND_KEYS));

/**
 * Replaces the application's commands (in one guild, or globally) with the generated ones:
 * a bulk PUT, so commands removed from Firebreak disappear from Discord too.
 * Guild commands appear at once; global ones can take up to an hour to reach every client.
 */
export async function registerDiscordCommands(rest: REST, applicationId: string, commands: DiscordApplicationCommandJson[], guildId?: string): Promise<RegisterResult> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const existing = existingSchema.parse(await rest.get(route).catch((err: unknown) => Promise.reject(explain(err, guildId))));
  const before = new Map(existing.map((c) => [c.name, c]));
  const result: RegisterResult = { scope: guildId ? `in guild ${guildId}` : 'globally', added: [], updated: [], removed: [], unchanged: [] };
  for (const c of commands) {
    const old = before.get(c.name);
    if (!old) result.added.push(c.name);
    else if (same(old, c)) result.unchanged.push(c.name);
    else result.updated.push(c.name);
  }
  const names = new Set(commands.map((c) => c.name));
  result.removed = existing.map((c) => c.name).filter((n) => !names.has(n));
  await rest.put(route, { body: commands }).catch((err: unknown) => Promise.reject(explain(err, guildId)));
  return result;
}

/** Discord's errors as one sentence that says what to fix. */
function explain(err: unknown, guildId: string | undefined): Error {
  if (!(err instanceof DiscordAPIError)) return err instanceof Error ? err : new Error(String(err));
  if (err.status === 401) return new Error('Discord refused the bot token (401): check DISCORD_BOT_TOKEN.');
  if (err.status === 403 || err.status === 404) {
    return new Error(
      guildId
        ? `Discord refused access to guild ${guildId} (${err.status}): invite the bot to that server with the applications.commands scope, and check DISCORD_APPLICATION_ID.`
        : `Discord refused the request (${err.status}): check DISCORD_APPLICATION_ID matches the bot token's application.`,
    );
  }
  return new Error(`Discord refused the commands (${err.status}): ${err.message}`);
}

export function describeRegistration(r: RegisterResult): string {
  // A message command is named like "Add to timeline": no slash in front of it.
  const list = (names: string[]) => (names.length ? names.map((n) => (/\s/.test(n) ? `"${n}"` : `/${n}`)).join(', ') : 'none');
  const total = r.added.length + r.updated.length + r.unchanged.length;
  return [
    `Registered ${total} Discord commands ${r.scope}.`,
    `  added:     ${list(r.added)}`,
    `  updated:   ${list(r.updated)}`,
    `  removed:   ${list(r.removed)}`,
    `  unchanged: ${list(r.unchanged)}`,
  ].join('\n');
}
