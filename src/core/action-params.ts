import type { ActionConfig } from '../config/schema.js';
import { DEFAULT_STRING_PATTERN, type ParamConfig, type ParamRuleConfig } from '../config/params-schema.js';
import type { ActionParamValues } from './ports.js';
import { didYouMean } from '../config/did-you-mean.js';
import { cut } from './text-format.js';

/**
 * The params of custom actions (`/run NAME k=v`) and of procedures (`/procedure NAME k=v`): one
 * parser and checker for both, so a value is accepted, refused and explained the same way.
 */

/** Longest value any param accepts, whatever its pattern says: a param is a name or a number, not a document. */
const MAX_VALUE_LENGTH = 200;

/** What declares params: an action or a procedure, with the command that runs it. */
export interface ParamOwner {
  /** "/run" or "/procedure". */
  command: string;
  name: string;
  params: Readonly<Record<string, ParamConfig>>;
  rules: readonly ParamRuleConfig[];
}

export interface CheckOptions {
  /**
   * The value goes into command text that is split into words (a procedure's `run:` step): it must
   * stay one word, so whitespace, quotes and backslashes are refused whatever the pattern says.
   */
  oneWord?: boolean;
  /** Secret values, given privately (a modal, an environment variable): never typed in the channel. */
  secrets?: ReadonlyMap<string, string>;
}

export type ParamCheck =
  | {
      ok: true;
      /** Every non-secret param that has a value (given or default); ints are numbers, bools booleans. */
      values: ActionParamValues;
      /** Secret params by name: kept apart so nothing that shows values (cards, titles, payloads) can see them. */
      secrets: Readonly<Record<string, string>>;
    }
  | {
      ok: false;
      message: string;
      /** A secret value that was typed where others can read it: the caller masks it from then on. */
      exposed?: string[];
    };

function shown(value: string): string {
  return JSON.stringify(cut(value, 40));
}

export function isSecret(p: ParamConfig): boolean {
  return p.type === 'string' && p.secret;
}

/** The names of the secret params, in declaration order. */
export function secretParams(params: Readonly<Record<string, ParamConfig>>): string[] {
  return Object.entries(params).filter(([, p]) => isSecret(p)).map(([n]) => n);
}

/** "provider=openai|anthropic", "n=1–30", "alias=/^[a-z-]+$/", "[dry_run=true]": what a person may type for one param. */
export function paramHint(name: string, p: ParamConfig): string {
  if (isSecret(p)) return `(${name}: asked privately)`;
  const body =
    p.type === 'enum' ? p.values.join('|') : p.type === 'int' ? `${p.min}–${p.max}` : p.type === 'bool' ? 'true' : p.pattern === DEFAULT_STRING_PATTERN ? '…' : `/${p.pattern}/`;
  const def = p.type !== 'bool' && p.default !== undefined ? ` (default ${p.default})` : '';
  return p.required ? `${name}=${body}` : `[${name}=${body}${def}]`;
}

/** `/run reset-circuit provider=openai|anthropic`: the usage line of one action or procedure. */
export function paramUsage(owner: ParamOwner): string {
  return [owner.command, owner.name, ...Object.entries(owner.params).map(([n, p]) => paramHint(n, p))].join(' ');
}

export function actionOwner(name: string, action: ActionConfig): ParamOwner {
  return { command: '/run', name, params: action.params, rules: action.rules };
}

/** `/run reset-circuit provider=openai|anthropic`: the usage line of one action. */
export function actionUsage(name: string, action: ActionConfig): string {
  return paramUsage(actionOwner(name, action));
}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

type ValueCheck = { ok: true; value: string | number | boolean } | { ok: false; message: string };

/** Checks one value against its spec; returns the typed value or one sentence saying what would be right. */
function checkValue(name: string, p: ParamConfig, value: string, opts: CheckOptions): ValueCheck {
  // A secret's value is never repeated back, not even in a refusal.
  const got = isSecret(p) ? 'the value given' : shown(value);
  // eslint-disable-next-line no-control-regex
  if (value.length > MAX_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    return { ok: false, message: `${name} must be at most ${MAX_VALUE_LENGTH} characters of plain text.` };
  }
  if (p.type === 'bool') {
    const v = value.toLowerCase();
    if (TRUE.has(v)) return { ok: true, value: true };
    if (FALSE.has(v)) return { ok: true, value: false };
    return { ok: false, message: `${name} is true or false; got ${got}.` };
  }
  if (p.type === 'enum') {
    if (p.values.includes(value)) return { ok: true, value };
    return { ok: false, message: `${name} must be one of ${p.values.join(', ')}; got ${got}.${didYouMean(value, p.values, `${name}=`)}` };
  }
  if (p.type === 'int') {
    const n = /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= p.min && n <= p.max) return { ok: true, value: n };
    return { ok: false, message: `${name} must be a whole number from ${p.min} to ${p.max}; got ${got}.` };
  }
  // A value that starts with "-" would be read as an option by the tool it is passed to
  // (`--output=/etc/passwd`), whatever the pattern meant to allow. Enums and ints are exact already.
  // A secret goes to the environment, never argv, so it may look like anything its pattern allows.
  if (value.startsWith('-') && !p.secret) return { ok: false, message: `${name} may not start with "-" (a tool would take it for an option); got ${got}.` };
  if (opts.oneWord && /[\s"'“”\\]/.test(value)) return { ok: false, message: `${name}=${got} is not allowed: it must be one word, without spaces or quotes.` };
  // The whole value must match, not just a part of it: "^[a-z]+" alone would let "api; rm -rf /" through.
  if (new RegExp(`^(?:${p.pattern})$`).test(value)) return { ok: true, value };
  return { ok: false, message: `${name} must match ${p.pattern}; got ${got}.` };
}

/** The first rule between params the values break, as one sentence; null when they keep them all. */
function ruleBroken(rules: readonly ParamRuleConfig[], values: ActionParamValues): string | null {
  for (const r of rules) {
    const [op, [a, b]] = 'lte' in r ? (['≤', r.lte] as const) : (['<', r.lt] as const);
    const x = values[a];
    const y = values[b];
    if (typeof x !== 'number' || typeof y !== 'number') continue;
    if (op === '≤' ? x <= y : x < y) continue;
    return `${a} (${x}) must be ${op} ${b} (${y}).`;
  }
  return null;
}

/**
 * Validates values (typed text, stored JSON on confirm, an alert's labels) against the params: unknown
 * names, secrets typed in the open, missing required values, each value, then the rules between them.
 * A param left out takes its default.
 */
export function checkParams(owner: ParamOwner, given: ReadonlyMap<string, string>, opts: CheckOptions = {}): ParamCheck {
  const usage = `Usage: ${paramUsage(owner)}`;
  const declared = Object.keys(owner.params);
  for (const key of given.keys()) {
    if (!Object.hasOwn(owner.params, key)) {
      const known = declared.length > 0 ? `its params are ${declared.join(', ')}` : 'it takes no params';
      return { ok: false, message: `${owner.name} has no param "${cut(key, 40)}"; ${known}.${didYouMean(key, declared)} ${usage}` };
    }
    if (isSecret(owner.params[key]!)) {
      return {
        ok: false,
        message: `${key} is a secret and is never typed in the channel: ${owner.command} ${owner.name} asks for it in a private prompt (a modal on Slack and Discord; --secret ${key}=ENV_VAR or a hidden prompt on the console). Nothing was run; replace the secret you typed, since others may have seen it.`,
        exposed: [given.get(key)!],
      };
    }
  }
  const values: Record<string, string | number | boolean> = {};
  const secrets: Record<string, string> = {};
  for (const [name, p] of Object.entries(owner.params)) {
    const raw = isSecret(p) ? opts.secrets?.get(name) : given.get(name);
    if (raw === undefined) {
      if (p.default !== undefined) values[name] = p.default;
      else if (p.required) {
        if (isSecret(p)) return { ok: false, message: `${owner.name} needs the secret ${name}, which was not given: it is asked for privately (a modal on Slack and Discord; --secret ${name}=ENV_VAR on the console). Nothing was run; ask again.` };
        return { ok: false, message: `${owner.name} needs ${name}=…${p.description ? ` (${p.description})` : ''}. ${usage}` };
      }
      continue;
    }
    const r = checkValue(name, p, raw, opts);
    if (!r.ok) return { ok: false, message: `${r.message} ${usage}` };
    if (isSecret(p)) secrets[name] = raw;
    else values[name] = r.value;
  }
  const broken = ruleBroken(owner.rules, values);
  if (broken) return { ok: false, message: `${broken} ${usage}` };
  return { ok: true, values, secrets };
}

/** An action's values (typed, stored or from an alert) checked against its params. */
export function checkParamValues(actionName: string, action: ActionConfig, given: ReadonlyMap<string, string>, opts: CheckOptions = {}): ParamCheck {
  return checkParams(actionOwner(actionName, action), given, opts);
}

/** Parses `key=value` words as typed after `/run NAME` or `/procedure NAME`, then validates them. */
export function parseParams(owner: ParamOwner, words: readonly string[], opts: CheckOptions = {}): ParamCheck {
  const usage = `Usage: ${paramUsage(owner)}`;
  const given = new Map<string, string>();
  let lastKey: string | undefined;
  for (const [i, w] of words.entries()) {
    const eq = w.indexOf('=');
    if (eq <= 0) {
      // `summary=litellm down`: the chat split the value at its space. Show the quoting the parser understands.
      if (lastKey !== undefined && !isSecret(owner.params[lastKey] ?? { type: 'bool', default: false, required: false })) {
        const loose: string[] = [];
        for (const x of words.slice(i)) {
          if (x.indexOf('=') > 0) break;
          loose.push(x);
        }
        const value = [given.get(lastKey), ...loose].join(' ');
        return { ok: false, message: `${shown(w)} is not key=value. Values with spaces need quotes: ${lastKey}=${JSON.stringify(cut(value, 60))}. ${usage}` };
      }
      return { ok: false, message: `${shown(w)} is not key=value. ${usage}` };
    }
    const key = w.slice(0, eq);
    if (given.has(key)) return { ok: false, message: `${cut(key, 40)} is given twice; give it once. ${usage}` };
    given.set(key, w.slice(eq + 1));
    lastKey = key;
  }
  return checkParams(owner, given, opts);
}

/** Parses `key=value` words as typed after `/run NAME`, then validates them. */
export function parseParamWords(actionName: string, action: ActionConfig, words: readonly string[], opts: CheckOptions = {}): ParamCheck {
  return parseParams(actionOwner(actionName, action), words, opts);
}

/**
 * One value as text: a bool is its flag (or "true") when true and nothing when false; an absent
 * optional param is nothing too.
 */
export function paramText(p: ParamConfig | undefined, value: string | number | boolean | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? (p?.type === 'bool' && p.flag ? p.flag : 'true') : p?.type === 'bool' && p.flag ? '' : 'false';
  return String(value);
}

/** `k=v` of the values people may see (secrets are never among them). */
export function shownParams(values: ActionParamValues): string {
  return Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}
