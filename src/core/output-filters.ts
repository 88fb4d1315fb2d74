/**
 * Output filters: what an action (or a procedure's `run:` step) shows of its output, instead of a
 * shell pipeline (`| grep ERROR | cut -d' ' -f5- | sort | uniq -c | sort -rn | head`). Pure text functions, applied
 * in the order listed; core imports no room, so src/integrations and src/procedures both use them.
 */
import type { OutputFilterConfig } from '../config/action-output-schema.js';

/** One step of a JSON path: a key, an index, or every element of an array (`[]`). */
export type JsonPathStep = { key: string } | { index: number } | { each: true };

export type OutputFilter =
  | { kind: 'grep'; pattern: RegExp; invert: boolean }
  | { kind: 'cut'; delimiter: string; from: number; to: number | null }
  | { kind: 'head'; lines: number }
  | { kind: 'tail'; lines: number }
  | { kind: 'json'; path: JsonPathStep[]; source: string }
  | { kind: 'count' }
  | { kind: 'group' };

/**
 * `.services`, `.items[0].name`, `.items[].metadata.name`, `.[0]`, `.` (the whole body). The same grammar
 * src/config/action-output-schema.ts checks at load (config may not import core, so it keeps its copy).
 */
export function parseJsonPath(text: string): JsonPathStep[] | null {
  if (text === '.') return [];
  if (!text.startsWith('.')) return null;
  // ".[0]": the leading dot is the document itself.
  const path = text.startsWith('.[') ? text.slice(1) : text;
  const steps: JsonPathStep[] = [];
  const re = /\.([A-Za-z_][A-Za-z0-9_-]*)|\[(\d{0,9})\]/y;
  let at = 0;
  while (at < path.length) {
    re.lastIndex = at;
    const m = re.exec(path);
    if (!m) return null;
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] === '') steps.push({ each: true });
    else steps.push({ index: Number(m[2]) });
    at = re.lastIndex;
  }
  return steps;
}

/** Config (plain data, checked at load) → filters ready to run. */
export function compileOutputFilters(configs: readonly OutputFilterConfig[]): OutputFilter[] {
  return configs.map((c): OutputFilter => {
    if (c.grep !== undefined) {
      const g = typeof c.grep === 'string' ? { pattern: c.grep, invert: false, ignore_case: false } : c.grep;
      return { kind: 'grep', pattern: new RegExp(g.pattern, g.ignore_case ? 'i' : ''), invert: g.invert };
    }
    if (c.cut !== undefined) {
      const [from, to] = c.cut.fields.split('-');
      const start = Number(from);
      return { kind: 'cut', delimiter: c.cut.delimiter, from: start, to: to === undefined ? start : to === '' ? null : Number(to) };
    }
    if (c.head !== undefined) return { kind: 'head', lines: c.head };
    if (c.tail !== undefined) return { kind: 'tail', lines: c.tail };
    if (c.json !== undefined) {
      const path = parseJsonPath(c.json);
      if (!path) throw new Error(`"${c.json}" is not a JSON path such as .services or .items[].name`);
      return { kind: 'json', path, source: c.json };
    }
    if (c.count) return { kind: 'count' };
    if (c.group) return { kind: 'group' };
    throw new Error('an output filter needs one of grep, cut, head, tail, json, count, group');
  });
}

function lines(text: string): string[] {
  if (text === '') return [];
  const all = text.replace(/\r\n/g, '\n').split('\n');
  if (all[all.length - 1] === '') all.pop();
  return all;
}

/**
 * Identical lines counted, most frequent first (ties keep their first appearance): `sort | uniq -c
 * | sort -rn`. Each line is the count right-aligned, then the line.
 */
export function groupLines(input: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const l of input) counts.set(l, (counts.get(l) ?? 0) + 1);
  const entries = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const width = String(entries[0]?.[1] ?? 0).length;
  return entries.map(([l, n]) => `${String(n).padStart(width)} ${l}`);
}

function render(v: unknown): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return lines(v);
  if (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object')) return v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  return lines(JSON.stringify(v, null, 2));
}

function select(values: unknown[], step: JsonPathStep): unknown[] {
  const out: unknown[] = [];
  for (const v of values) {
    if ('key' in step) {
      if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, step.key)) out.push((v as Record<string, unknown>)[step.key]);
    } else if ('index' in step) {
      if (Array.isArray(v) && step.index < v.length) out.push(v[step.index]);
    } else if (Array.isArray(v)) {
      out.push(...v);
    }
  }
  return out;
}

/** The lines a JSON path selects; a body that is not JSON, or a path that is not there, says so in one line. */
function jsonLines(text: string, path: readonly JsonPathStep[], source: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return [`(the output is not JSON, so ${source} selects nothing)`];
  }
  let values: unknown[] = [doc];
  for (const step of path) values = select(values, step);
  if (values.length === 0) return [`(${source} is not in the JSON output)`];
  return values.flatMap(render);
}

function applyOne(input: string[], f: OutputFilter): string[] {
  switch (f.kind) {
    case 'grep':
      return input.filter((l) => f.pattern.test(l) !== f.invert);
    case 'cut':
      return input.map((l) => {
        const parts = l.split(f.delimiter);
        return parts.length === 1 ? l : parts.slice(f.from - 1, f.to ?? undefined).join(f.delimiter);
      });
    case 'head':
      return input.slice(0, f.lines);
    case 'tail':
      return input.slice(Math.max(0, input.length - f.lines));
    case 'json':
      return jsonLines(input.join('\n'), f.path, f.source);
    case 'count':
      return [String(input.length)];
    case 'group':
      return groupLines(input);
  }
}

/** The text the filters leave, in the order listed; no filters, the text as it was. */
export function applyOutputFilters(text: string, filters: readonly OutputFilter[]): string {
  if (filters.length === 0) return text;
  let current = lines(text);
  for (const f of filters) current = applyOne(current, f);
  return current.join('\n');
}

/**
 * At most `maxChars` of filtered output, keeping its start: filters put what matters first (the
 * most frequent line, the head), unlike raw output whose end matters (excerpt in redact.ts).
 */
export function excerptStart(text: string, maxChars = 1500): string {
  const t = text.trimEnd();
  if (t.length <= maxChars) return t;
  return `${t.slice(0, maxChars)}\n… (${t.length - maxChars} more characters cut)`;
}

/** A timestamp at the start of a log line: ISO 8601 (`2026-03-01T10:00:02.123Z`, in brackets or not) or a time of day. */
const LEADING_TIMESTAMP = /^\[?(?:\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})?\]?\s+/;

/** The line without its leading timestamp, so that the same message at different times groups as one. */
export function withoutLeadingTimestamp(line: string): string {
  return line.replace(LEADING_TIMESTAMP, '');
}

/** The longest regular expression a person may type (`/logs --grep`). */
const USER_REGEX_MAX = 200;

/**
 * A regular expression typed in chat, compiled only when it cannot backtrack catastrophically on the
 * bounded text it meets: at most USER_REGEX_MAX characters, no backreferences, and no quantified
 * group that holds a quantifier or an alternation (`(a+)+`, `(a|aa)*`: the shapes whose matching
 * time grows exponentially with the line). What is left can still be polynomially slow (`.*.*.*x`),
 * so /logs also cuts lines to 1000 characters and matches in a worker stopped after 2 s
 * (src/integrations/kubernetes/log-grep.ts). Returns the regex or one sentence saying what to change.
 */
export function compileUserRegex(source: string): { ok: true; regex: RegExp } | { ok: false; message: string } {
  if (source.length === 0) return { ok: false, message: 'The pattern is empty.' };
  if (source.length > USER_REGEX_MAX) return { ok: false, message: `The pattern is ${source.length} characters long; at most ${USER_REGEX_MAX} are allowed.` };
  let regex: RegExp;
  try {
    regex = new RegExp(source);
  } catch (err) {
    return { ok: false, message: `The pattern is not a valid regular expression: ${(err as Error).message}.` };
  }
  if (/\\[1-9]|\\k</.test(source)) return { ok: false, message: 'Backreferences (\\1, \\k<name>) are not allowed in a typed pattern.' };
  if (nestedQuantifier(source)) {
    return { ok: false, message: 'A repeated group may not itself hold a repetition or an alternation (e.g. (a+)+ or (a|b)*), which can take exponential time; write it without the outer repetition.' };
  }
  return { ok: true, regex };
}

/** Whether a quantified group contains a quantifier or "|" (escapes and character classes skipped). */
function nestedQuantifier(source: string): boolean {
  // Per open group: whether it holds a quantifier or alternation so far.
  const stack: boolean[] = [];
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') stack.push(false);
    else if (c === '|') {
      if (stack.length > 0) stack[stack.length - 1] = true;
    } else if (c === '*' || c === '+' || c === '{' || (c === '?' && !'(*+}?'.includes(source[i - 1] ?? '('))) {
      // "?" right after "(" opens a group kind ((?:, (?=); after a quantifier it makes it lazy.
      if (stack.length > 0) stack[stack.length - 1] = true;
    } else if (c === ')') {
      const risky = stack.pop() ?? false;
      const next = source[i + 1];
      const quantified = next === '*' || next === '+' || next === '{';
      if (risky && quantified) return true;
      if (risky && stack.length > 0) stack[stack.length - 1] = true;
    }
  }
  return false;
}
