import {
  ApplicationCommandType,
  ContextMenuCommandBuilder,
  InteractionContextType,
  SlashCommandBuilder,
  SlashCommandSubcommandBuilder,
  type RESTPostAPIApplicationCommandsJSONBody,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  type RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { FirebreakConfig } from '../../config/schema.js';
import type { CommandCatalog, CommandDescription } from '../../core/command-catalog.js';
import { resolveBound, type ParamSpec } from '../../core/params.js';
import { cut } from '../../core/text-format.js';

export type DiscordCommandJson = RESTPostAPIChatInputApplicationCommandsJSONBody;
/** Any application command: a slash command or a message command (right-click a message → Apps). */
export type DiscordApplicationCommandJson = RESTPostAPIApplicationCommandsJSONBody;

/** The message command that adds a message to its incident channel's timeline (like Slack's 📌 and shortcut). */
export const ADD_TO_TIMELINE = 'Add to timeline';

/** Discord's limits: descriptions 1–100 chars, at most 25 choices per option. */
const MAX_DESCRIPTION = 100;
const MAX_CHOICES = 25;

function description(text: string): string {
  return cut(text.trim() || '—', MAX_DESCRIPTION);
}

/** Only SlashCommandBuilder and its subcommand builder take options; both share these methods. */
interface OptionHost {
  addStringOption: (fn: Parameters<SlashCommandSubcommandBuilder['addStringOption']>[0]) => unknown;
  addIntegerOption: (fn: Parameters<SlashCommandSubcommandBuilder['addIntegerOption']>[0]) => unknown;
  addBooleanOption: (fn: Parameters<SlashCommandSubcommandBuilder['addBooleanOption']>[0]) => unknown;
  addUserOption: (fn: Parameters<SlashCommandSubcommandBuilder['addUserOption']>[0]) => unknown;
}

function addParam(host: OptionHost, p: ParamSpec, config: FirebreakConfig): void {
  const desc = description(p.rest === true ? `${p.description} (space-separated, e.g. key=value key2=value2)` : p.description);
  const required = !!p.required;
  if (p.rest || p.type === 'string') {
    host.addStringOption((o) => {
      o.setName(p.name).setDescription(desc).setRequired(required);
      const choices = p.rest ? [] : (p.choices?.(config) ?? []);
      // More than 25 known values cannot be offered as choices; the command still validates the text.
      if (choices.length > 0 && choices.length <= MAX_CHOICES) o.addChoices(...choices.map((c) => ({ name: c, value: c })));
      return o;
    });
  } else if (p.type === 'integer') {
    host.addIntegerOption((o) => {
      o.setName(p.name).setDescription(desc).setRequired(required);
      // Discord refuses out-of-range numbers in the client, before the command runs.
      const min = resolveBound(p.min, config);
      const max = resolveBound(p.max, config);
      if (min !== undefined) o.setMinValue(min);
      if (max !== undefined) o.setMaxValue(max);
      return o;
    });
  } else if (p.type === 'user') {
    host.addUserOption((o) => o.setName(p.name).setDescription(desc).setRequired(required));
  } else {
    host.addBooleanOption((o) => o.setName(p.name).setDescription(desc).setRequired(required));
  }
}

/** Discord refuses a required option after an optional one; the order does not matter to us (options are named). */
function requiredFirst(params: readonly ParamSpec[]): ParamSpec[] {
  return [...params].sort((a, b) => Number(!!b.required) - Number(!!a.required));
}

/** One command spec as a Discord chat-input application command. Builders validate names and limits. */
export function discordCommandFor(spec: CommandDescription, config: FirebreakConfig): DiscordCommandJson {
  const b = new SlashCommandBuilder().setName(spec.name).setDescription(description(spec.summary)).setContexts(InteractionContextType.Guild);
  if (spec.subcommands && spec.subcommands.length > 0) {
    for (const sub of spec.subcommands) {
      b.addSubcommand((s) => {
        s.setName(sub.name).setDescription(description(sub.summary));
        for (const p of requiredFirst(sub.params)) addParam(s, p, config);
        return s;
      });
    }
  } else {
    for (const p of requiredFirst(spec.params)) addParam(b, p, config);
  }
  return b.toJSON();
}

/** Every registered command, generated from the same specs that drive the text parser and /help. */
export function discordCommands(registry: CommandCatalog, config: FirebreakConfig): DiscordCommandJson[] {
  return registry.list().map((spec) => discordCommandFor(spec, config));
}

/** Message commands: right-click a message → Apps → Add to timeline. Over interactions, no gateway needed. */
export function discordMessageCommands(): RESTPostAPIContextMenuApplicationCommandsJSONBody[] {
  return [new ContextMenuCommandBuilder().setName(ADD_TO_TIMELINE).setType(ApplicationCommandType.Message).setContexts(InteractionContextType.Guild).toJSON()];
}

/** What `firebreak discord register` registers: every slash command, then the message commands. */
export function discordApplicationCommands(registry: CommandCatalog, config: FirebreakConfig): DiscordApplicationCommandJson[] {
  return [...discordCommands(registry, config), ...discordMessageCommands()];
}
