/**
 * How the draft writes times and tool output excerpts (durations and one-line text are
 * core/text-format.ts's 'span' style and oneLine). UTC everywhere, so the same incident drafts the
 * same text on every machine (and a golden file can pin it).
 */

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
let cachedDay = NaN;
let cachedDayText = '';

/** "2026-11-25 10:08:40" (UTC; the draft says so once per table). */
export function utc(at: Date): string {
  // A draft writes tens of thousands of these, mostly on one day: the date part is made once.
  const ms = at.getTime();
  const day = Math.floor(ms / DAY_MS);
  if (day !== cachedDay || !Number.isFinite(ms)) {
    if (!Number.isFinite(ms)) return 'invalid date';
    cachedDay = day;
    cachedDayText = at.toISOString().slice(0, 10);
  }
  const s = Math.floor((ms - day * DAY_MS) / 1000);
  return `${cachedDayText} ${TWO[Math.floor(s / 3600)]}:${TWO[Math.floor(s / 60) % 60]}:${TWO[s % 60]}`;
}

/**
 * The end of a tool's output (where errors are), at most `maxLines` lines and `maxChars`
 * characters, saying how much was cut. The timeline already keeps output short; this keeps the
 * draft's size bounded per command however much a row holds.
 */
export function outputExcerpt(text: string, maxLines = 12, maxChars = 1000): string {
  const t = (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text).trimEnd();
  let start = t.length;
  for (let i = 0; i < maxLines && start > 0; i++) start = Math.max(0, t.lastIndexOf('\n', start - 1));
  start = Math.max(start, t.length - maxChars);
  if (start === 0) return t;
  return `… (earlier output cut)\n${t.slice(start).replace(/^\n/, '')}`;
}
