import type { ActionConfig, ActionParamConfig } from '../config/schema.js';
import type { ActionParamValues } from './ports.js';
import { didYouMean } from '../config/did-you-mean.js';
import { cut } from './text-format.js';

/** Longest value any param accepts, whatever its pattern says: a param is a name or a number, not a document. */
const MAX_VALUE_LENGTH = 200;

export type ParamCheck = { ok: true; values: ActionParamValues } | { ok: false; message: string };

function shown(value: string): string {
  return JSON.stringify(cut(value, 40));
}

/** "provider=openai|anthropic", "n=1–30", "alias=^[a-z-]+$": what a person may type for one param. */
export function paramHint(name: string, p: ActionParamConfig): string {
  const body = p.type === 'enum' ? p.values.join('|') : p.type === 'int' ? `${p.min}–${p.max}` : `/${p.pattern}/`;
  return p.required ? `${name}=${body}` : `[${name}=${body}]`;
}

/** `/run reset-circuit provider=openai|anthropic`: the usage line of one action. */
export function actionUsage(name: string, action: ActionConfig): string {
  return ['/run', name, ...Object.entries(action.params).map(([n, p]) => paramHint(n, p))].join(' ');
}

/** Checks one value against its spec; returns the typed value or one sentence saying what would be right. */
function checkValue(name: string, p: ActionParamConfig, value: string): { ok: true; value: string | number } | { ok: false; message: string } {
  // eslint-disable-next-line no-control-regex
  if (value.length > MAX_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(value)) {
    return { ok: false, message: `${name} must be at most ${MAX_VALUE_LENGTH} characters of plain text.` };
  }
  if (p.type === 'enum') {
    if (p.values.includes(value)) return { ok: true, value };
    return { ok: false, message: `${name} must be one of ${p.values.join(', ')}; got ${shown(value)}.${didYouMean(value, p.values, `${name}=`)}` };
  }
  if (p.type === 'int') {
    const n = /^-?\d{1,15}$/.test(value) ? Number(value) : NaN;
    if (Number.isSafeInteger(n) && n >= p.min && n <= p.max) return { ok: true, value: n };
    return { ok: false, message: `${name} must be a whole number from ${p.min} to ${p.max}; got ${shown(value)}.` };
  }
  // A value that starts with "-" would be read as an option by the tool it is passed to
  // (`--output=/etc/passwd`), whatever the pattern meant to allow. Enums and ints are exact already.
  if (value.startsWith('-')) return { ok: false, message: `${name} may not start with "-" (a tool would take it for an option); got ${shown(value)}.` };
  // The whole value must match, not just a part of it: "^[a-z]+" alone would let "api; rm -rf /" through.
  if (new RegExp(`^(?:${p.pattern})$`).test(value)) return { ok: true, value };
  return { ok: false, message: `${name} must match ${p.pattern}; got ${shown(value)}.` };
}

/** Validates typed values (text, or stored JSON on confirm) against the action's param specs. */
export function checkParamValues(actionName: string, action: ActionConfig, given: ReadonlyMap<string, string>): ParamCheck {
  const declared = Object.keys(action.params);
  for (const key of given.keys()) {
    if (!Object.hasOwn(action.params, key)) {
      const known = declared.length > 0 ? `its params are ${declared.join(', ')}` : 'it takes no params';
      return { ok: false, message: `${actionName} has no param "${cut(key, 40)}"; ${known}.${didYouMean(key, declared)} Usage: ${actionUsage(actionName, action)}` };
    }
  }
  const values: Record<string, string | number> = {};
  for (const [name, p] of Object.entries(action.params)) {
    const raw = given.get(name);
    if (raw === undefined) {
      if (p.required) return { ok: false, message: `${actionName} needs ${name}. Usage: ${actionUsage(actionName, action)}` };
      continue;
    }
    const r = checkValue(name, p, raw);
    if (!r.ok) return { ok: false, message: `${r.message} Usage: ${actionUsage(actionName, action)}` };
    values[name] = r.value;
  }
  return { ok: true, values };
}

/** Parses `key=value` words as typed after `/run NAME`, then validates them. */
export function parseParamWords(actionName: string, action: ActionConfig, words: readonly string[]): ParamCheck {
  const given = new Map<string, string>();
  let lastKey: string | undefined;
  for (const [i, w] of words.entries()) {
    const eq = w.indexOf('=');
    if (eq <= 0) {
      // `summary=litellm down`: the chat split the value at its space. Show the quoting the parser understands.
      if (lastKey !== undefined) {
        const loose: string[] = [];
        for (const x of words.slice(i)) {
          if (x.indexOf('=') > 0) break;
          loose.push(x);
        }
        const value = [given.get(lastKey), ...loose].join(' ');
        return { ok: false, message: `${shown(w)} is not key=value. Values with spaces need quotes: ${lastKey}=${JSON.stringify(cut(value, 60))}. Usage: ${actionUsage(actionName, action)}` };
      }
      return { ok: false, message: `${shown(w)} is not key=value. Usage: ${actionUsage(actionName, action)}` };
    }
    const key = w.slice(0, eq);
    if (given.has(key)) return { ok: false, message: `${cut(key, 40)} is given twice; give it once. Usage: ${actionUsage(actionName, action)}` };
    given.set(key, w.slice(eq + 1));
    lastKey = key;
  }
  return checkParamValues(actionName, action, given);
}
