import { cut } from './text-format.js';

/** Longest chat text we accept; anything longer is a paste accident, not a command. */
export const MAX_COMMAND_LENGTH = 2000;

export interface ParsedText {
  command: string;
  positionals: string[];
  flags: Record<string, string | true>;
  /**
   * For a bare `--flag` followed by a word: that word's index in `positionals`. Whether it is the
   * flag's value (`--grep ERROR`) or a positional after a switch (`--previous api`) depends on the
   * param's type, which only the command's spec knows (rawArgsFromText decides).
   */
  flagNext?: Record<string, number>;
}

export class ParseError extends Error {
  override name = 'ParseError';
}

/**
 * Splits chat text like a shell would split words (quotes group, backslash escapes inside double
 * quotes), but only to produce strings: nothing here is ever passed to a shell.
 * `--flag`, `--flag=value` and `--flag value` are flags; `k=v` stays positional for commands to read.
 */
export function parseCommandText(input: string): ParsedText {
  const text = input.trim();
  if (text === '') throw new ParseError('Empty command: type /help to see the commands.');
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new ParseError(`Command is ${text.length} characters long; the limit is ${MAX_COMMAND_LENGTH}.`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) {
    throw new ParseError('Command contains control characters; type it as plain text.');
  }
  const words = splitWords(text);
  const first = words.shift() ?? '';
  const command = first.replace(/^\//, '').toLowerCase();
  if (!/^[a-z][a-z0-9-]{0,31}$/.test(command)) {
    throw new ParseError(`"${cut(first, 40)}" is not a command: commands look like /health. Type /help to see them.`);
  }
  const positionals: string[] = [];
  const flags: Record<string, string | true> = {};
  const flagNext: Record<string, number> = {};
  const FLAG = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string;
    const m = FLAG.exec(w);
    if (m) {
      const name = m[1] as string;
      if (m[2] !== undefined) flags[name] = m[2];
      else {
        flags[name] = true;
        const next = words[i + 1];
        if (next !== undefined && !FLAG.test(next)) flagNext[name] = positionals.length;
      }
      continue;
    }
    positionals.push(w);
  }
  return { command, positionals, flags, ...(Object.keys(flagNext).length > 0 ? { flagNext } : {}) };
}

/** The word splitting of chat text on its own, for text that arrives in one piece (a Discord option). */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === quote || (quote === '"' && (ch === '“' || ch === '”'))) {
        quote = null;
      } else if (ch === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
        current += text[++i];
      } else {
        current += ch;
      }
      continue;
    }
    // Some chat clients turn straight double quotes into curly ones; treat both as quotes.
    // Curly single quotes stay literal: they are usually apostrophes ("can’t").
    if (ch === '"' || ch === "'" || ch === '“' || ch === '”') {
      quote = ch === "'" ? "'" : '"';
      inWord = true;
      continue;
    }
    if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    current += ch;
    inWord = true;
  }
  if (quote) throw new ParseError(`Unbalanced ${quote === '"' ? 'double' : 'single'} quote: close the quoted text.`);
  if (inWord) words.push(current);
  return words;
}
