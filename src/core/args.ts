import type { z } from 'zod';
import type { CommandDescription } from './command-catalog.js';
import type { ParamSpec, RawArgs } from './params.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { ParsedText } from './parser.js';
import { cut } from './text-format.js';

export class ArgsError extends Error {
  override name = 'ArgsError';
}

function paramsFor(spec: CommandDescription, raw: RawArgs): ParamSpec[] {
  if (!spec.subcommands) return spec.params;
  const sub = spec.subcommands.find((s) => s.name === raw.subcommand);
  return sub ? sub.params : [];
}

/** Maps positional words onto the spec's params in order; extra words are an error, not ignored. */
export function rawArgsFromText(spec: CommandDescription, parsed: ParsedText): RawArgs {
  const raw: RawArgs = {};
  const words = [...parsed.positionals];
  // `--grep ERROR`: a bare flag of a param that takes a value takes the word after it.
  const flagValues: Record<string, string> = {};
  const allParams = [...spec.params, ...(spec.subcommands ?? []).flatMap((s) => s.params)];
  const taken = Object.entries(parsed.flagNext ?? {})
    .filter(([flag]) => parsed.flags[flag] === true && allParams.some((p) => p.name === flag && p.type !== 'boolean'))
    .sort((a, b) => b[1] - a[1]);
  for (const [flag, index] of taken) flagValues[flag] = words.splice(index, 1)[0]!;
  if (spec.subcommands) {
    const first = words.shift();
    const names = spec.subcommands.map((s) => s.name);
    if (first === undefined) {
      throw new ArgsError(`/${spec.name} needs one of: ${names.join(', ')}. Usage: ${spec.usage}`);
    }
    if (!names.includes(first.toLowerCase())) {
      throw new ArgsError(`/${spec.name} has no "${cut(first, 40)}".${didYouMean(first, names, `/${spec.name} `)} Use one of: ${names.join(', ')}.`);
    }
    raw.subcommand = first.toLowerCase();
  }
  const params = paramsFor(spec, raw);
  for (const p of params) {
    if (p.rest) {
      const rest = words.splice(0);
      if (p.rest === 'text') {
        if (rest.length > 0) raw[p.name] = rest.join(' ');
      } else raw[p.name] = rest;
      break;
    }
    const w = words.shift();
    if (w !== undefined) raw[p.name] = w;
  }
  if (words.length > 0) {
    throw new ArgsError(`Too many arguments for /${spec.name}: "${words.join(' ')}". Usage: ${spec.usage}`);
  }
  for (const [flag, value] of Object.entries(parsed.flags)) {
    const p = params.find((x) => x.name === flag);
    if (!p) throw new ArgsError(`/${spec.name} has no --${flag} option. Usage: ${spec.usage}`);
    raw[flag] = flagValues[flag] ?? value;
  }
  return raw;
}

/** Validates raw args with the command's schema; the first problem becomes one sentence. */
export function validateArgs<A>(spec: { name: string; usage: string; args: z.ZodType<A> }, raw: RawArgs): A {
  const result = spec.args.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  const message = issue?.message ?? 'invalid arguments';
  throw new ArgsError(`${where}${message}. Usage: ${spec.usage}`);
}

/** Rebuilds chat text from structured options (Discord) so the timeline reads the same everywhere. */
export function textFromRawArgs(spec: CommandDescription, raw: RawArgs): string {
  const parts = [`/${spec.name}`];
  if (spec.subcommands && typeof raw.subcommand === 'string') parts.push(raw.subcommand);
  for (const p of paramsFor(spec, raw)) {
    const v = raw[p.name];
    if (v === undefined || v === false) continue;
    const values = Array.isArray(v) ? v : [v === true ? 'true' : v];
    for (const value of values) parts.push(/[\s"'\\]/.test(value) || value === '' ? JSON.stringify(value) : value);
  }
  return parts.join(' ');
}
