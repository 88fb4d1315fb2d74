import type { ProcedureConfig } from '../config/procedures-schema.js';
import { PROCEDURE_PLACEHOLDER } from '../config/procedures-schema.js';
import { didYouMean } from '../config/did-you-mean.js';
import { cut } from '../core/text-format.js';

export type ParamCheck = { ok: true; values: Record<string, string> } | { ok: false; message: string };

/**
 * `k=v` words → the procedure's params, each checked against its pattern as a whole. A value never
 * holds whitespace or quotes whatever the pattern says: it is put into command text that is split
 * into words, and must stay one word there.
 */
export function checkParams(name: string, p: ProcedureConfig, words: readonly string[]): ParamCheck {
  const values: Record<string, string> = {};
  const declared = Object.keys(p.params);
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) return { ok: false, message: `"${cut(w, 40)}" is not key=value. ${usage(name, p)}` };
    const key = w.slice(0, eq);
    const value = w.slice(eq + 1);
    if (!Object.hasOwn(p.params, key)) return { ok: false, message: `${name} has no param "${cut(key, 30)}".${didYouMean(key, declared)} ${usage(name, p)}` };
    if (Object.hasOwn(values, key)) return { ok: false, message: `${key} is given twice.` };
    values[key] = value;
  }
  for (const [key, spec] of Object.entries(p.params)) {
    if (!Object.hasOwn(values, key) && spec.default !== undefined) values[key] = spec.default;
    const v = values[key];
    if (v === undefined) {
      if (spec.required) return { ok: false, message: `${name} needs ${key}=…${spec.description ? ` (${spec.description})` : ''}. ${usage(name, p)}` };
      continue;
    }
    if (!new RegExp(`^(?:${spec.pattern})$`).test(v) || /[\s"'“”\\]/.test(v)) {
      return { ok: false, message: `${key}="${cut(v, 40)}" is not allowed: it must match ${spec.pattern} (one word).` };
    }
  }
  return { ok: true, values };
}

export function usage(name: string, p: ProcedureConfig): string {
  const params = Object.entries(p.params).map(([k, s]) => (s.required && s.default === undefined ? `${k}=…` : `[${k}=…]`));
  return `Usage: /procedure ${name}${params.length ? ` ${params.join(' ')}` : ''}`;
}

/** Fills `{param}` from validated values; an optional param left out becomes empty (and its word goes). */
export function fill(text: string, values: Record<string, string>): string {
  return text.replace(PROCEDURE_PLACEHOLDER, (_m, key: string) => values[key] ?? '').replace(/\s+/g, ' ').trim();
}
