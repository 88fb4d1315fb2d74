import { createHash } from 'node:crypto';

/**
 * What alert text must look like before it reaches the store. These are properties of a payload,
 * not of the store's health: left in, PostgreSQL refuses them on every retry, so a sender that
 * retries on 5xx (Alertmanager) would retry the whole group, healthy alerts included, forever.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as PostgreSQL stores it: NUL removed (text and jsonb refuse U+0000) and each lone UTF-16
 * surrogate replaced by U+FFFD (jsonb refuses its escape; as text it would become U+FFFD anyway).
 * Escaped-looking text such as a literal `\u0000` is ordinary text and is kept as it is.
 */
export function storableText(s: string): string {
  return s.replace(/\u0000/g, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Every string and object key of a JSON value made storable (see storableText). */
export function storableJson<T>(v: T): T {
  if (typeof v === 'string') return storableText(v) as T;
  if (Array.isArray(v)) return v.map((x: unknown) => storableJson(x)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [storableText(k), storableJson(x as unknown)])) as T;
  }
  return v;
}

/**
 * Longest key (group key, fingerprint) stored as sent, in UTF-8 bytes. PostgreSQL's btree index
 * refuses entries over ~2.7 KB; Alertmanager's group keys grow with the group's labels.
 */
export const MAX_KEY_BYTES = 1024;
/** How much of a long key is kept readable in front of its hash. */
const KEPT_PREFIX_CHARS = 200;

/**
 * A key short enough to index: unchanged up to MAX_KEY_BYTES, else its first 200 characters,
 * "…sha256:" and the sha256 of the whole key. The same long key always gives the same result, so
 * its group is found again; two long keys that differ anywhere give different results.
 */
export function storableKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES) return key;
  const prefix = Array.from(key).slice(0, KEPT_PREFIX_CHARS).join('');
  return `${prefix}…sha256:${createHash('sha256').update(key).digest('hex')}`;
}

/** The times an alert may carry: before 1970 (Alertmanager's "unset" is 0001-01-01) or from year 10000 on are not real. */
const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(10000, 0, 1);
export const isPlausibleTime = (t: number): boolean => Number.isFinite(t) && t >= EARLIEST && t < LATEST;
