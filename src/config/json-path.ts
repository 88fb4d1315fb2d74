/**
 * The field a `json` health check reads, written the way the runbooks write it for jq:
 * `.healthy_count`, `.services.litellm.status`, `.unhealthy_endpoints[0]`, `.["x-ray"].ok`.
 *
 * Grammar: `.` (the whole document) or one or more segments, each `.name` (letters, digits, `_`
 * and `-`, not starting with a digit or `-`), `[N]` (an array index, N ≥ 0) or `["key"]` (any key,
 * as a JSON string). No wildcards, filters or pipes: a check compares one value. A JSONPath or jq
 * library would accept far more than a check can use, and JSONPath engines that evaluate
 * expressions have had code-execution bugs (jsonpath-plus, CVE-2024-21534); this is 40 lines.
 * Pure, so the config validates paths when it loads and the probe reads them.
 */
export type JsonPathSegment = { key: string } | { index: number };

const NAME = /^[A-Za-z_][A-Za-z0-9_-]*/;
const INDEX = /^\[(\d{1,9})\]/;
const QUOTED = /^\[("(?:[^"\\]|\\.)*")\]/;

/** The segments of `path`, or a sentence saying what is wrong with it. */
export function parseJsonPath(path: string): { ok: true; segments: JsonPathSegment[] } | { ok: false; error: string } {
  if (path === '.') return { ok: true, segments: [] };
  if (!path.startsWith('.')) return { ok: false, error: `must start with "." (as in jq), e.g. ".${path}"` };
  const segments: JsonPathSegment[] = [];
  let rest = path;
  while (rest !== '') {
    const at = path.length - rest.length;
    let m: RegExpExecArray | null;
    if (rest.startsWith('.') && (m = NAME.exec(rest.slice(1)))) {
      segments.push({ key: m[0] });
      rest = rest.slice(1 + m[0].length);
    } else if ((m = INDEX.exec(rest.startsWith('.[') ? rest.slice(1) : rest))) {
      segments.push({ index: Number(m[1]) });
      rest = rest.slice((rest.startsWith('.[') ? 1 : 0) + m[0].length);
    } else if ((m = QUOTED.exec(rest.startsWith('.[') ? rest.slice(1) : rest))) {
      segments.push({ key: JSON.parse(m[1]!) as string });
      rest = rest.slice((rest.startsWith('.[') ? 1 : 0) + m[0].length);
    } else {
      return { ok: false, error: `cannot be read at character ${at + 1} ("${rest.slice(0, 20)}"): use .name, [N] or ["key"], e.g. .services.litellm.status` };
    }
  }
  return { ok: true, segments };
}

/** The value at `segments` in `doc`, or `found: false` when a key or index is not there. */
export function readJsonPath(doc: unknown, segments: readonly JsonPathSegment[]): { found: true; value: unknown } | { found: false } {
  let node: unknown = doc;
  for (const s of segments) {
    if ('index' in s) {
      if (!Array.isArray(node) || s.index >= node.length) return { found: false };
      node = node[s.index];
    } else {
      if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, s.key)) return { found: false };
      node = (node as Record<string, unknown>)[s.key];
    }
  }
  return { found: true, value: node };
}
