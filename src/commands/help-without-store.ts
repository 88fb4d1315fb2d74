import type { FirebreakConfig } from '../config/schema.js';
import { rawArgsFromText, validateArgs, ArgsError } from '../core/args.js';
import { authorize } from '../core/authorize.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import { ParseError, parseCommandText } from '../core/parser.js';
import { CommandRegistry } from '../core/registry.js';
import type { Reply } from '../core/reply.js';
import { helpCommand, helpOutcome } from './help.js';
import { commands } from './index.js';

/**
 * `/help` answered from the command list alone, for `firebreak run "/help"`: opening the store (PGlite
 * takes seconds and hundreds of MB) for text that needs none is what made the CLI slow. null: the text
 * is not a well-formed /help, and goes through the dispatcher as before. Not recorded on the timeline.
 */
export function helpWithoutStore(text: string, config: FirebreakConfig, actor: Actor, channel: ChannelRef): { status: 'ok' | 'invalid' | 'denied'; reply: Reply } | null {
  let args: { command?: string };
  try {
    const parsed = parseCommandText(text);
    if (parsed.command !== helpCommand.name) return null;
    args = validateArgs(helpCommand, rawArgsFromText(helpCommand, parsed));
  } catch (err) {
    if (err instanceof ParseError || err instanceof ArgsError) return null;
    throw err;
  }
  const denied = authorize(config, { actor, channel, input: { kind: 'text', text } }, helpCommand);
  if (denied) return denied;
  return helpOutcome(new CommandRegistry(commands), args.command);
}
