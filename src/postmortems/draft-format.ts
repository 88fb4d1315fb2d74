/**
 * How the draft writes times, durations and excerpts. UTC everywhere, so the same incident drafts
 * the same text on every machine (and a golden file can pin it).
 */

/** "2026-11-25 10:08:40" (UTC; the draft says so once per table). */
export function utc(at: Date): string {
  return at.toISOString().slice(0, 19).replace('T', ' ');
}

/** "180 ms", "4.2 s", "3 min 10 s", "2 h 05 min", "1 d 3 h". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  const s = Math.floor(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** One line of at most `max` characters: a table cell or a heading cannot hold more. */
export function oneLine(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1)}…`;
}

/**
 * The end of a tool's output (where errors are), at most `maxLines` lines and `maxChars`
 * characters, saying how much was cut. The timeline already keeps output short; this keeps the
 * draft's size bounded per command however much a row holds.
 */
export function outputExcerpt(text: string, maxLines = 20, maxChars = 1500): string {
  const t = text.replace(/\r\n?/g, '\n').trimEnd();
  let start = t.length;
  for (let i = 0; i < maxLines && start > 0; i++) start = Math.max(0, t.lastIndexOf('\n', start - 1));
  start = Math.max(start, t.length - maxChars);
  if (start === 0) return t;
  return `… (earlier output cut)\n${t.slice(start).replace(/^\n/, '')}`;
}
