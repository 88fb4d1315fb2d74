/**
 * How Firebreak writes short texts everywhere: a text cut to a platform's limit, one line of it,
 * and a duration. Pure and dependency-free, so every room can import it (core imports no room).
 */

/**
 * `s` if it fits in `max` UTF-16 code units (what Slack, Discord and the ticket APIs count), else
 * its start and "…" in exactly `max` units or one fewer: a surrogate pair (an emoji) is never split
 * in half, which would leave a broken character that some APIs refuse. `max` is at least 1.
 */
export function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let end = Math.max(0, max - 1);
  const last = s.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/**
 * One line of at most `max` characters (a title, a table cell, a heading cannot hold more): runs of
 * whitespace become one space, the ends are trimmed, then it is cut.
 */
export function oneLine(text: string, max: number): string {
  // Most text is one line already (a post-mortem draft calls this tens of thousands of times):
  // only text with something to fold pays for the rewrite.
  const t = /\s\s|[^\S ]|^ | $/.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  return cut(t, max);
}

/**
 * The ways a duration is written. They differ on purpose, in precision and in the largest unit,
 * because people read them for different things; each keeps the text its readers already see.
 */
const STYLES = {
  /**
   * A custom action's run time on /run's reply, always to a tenth of a second: "180 ms", "4.2 s",
   * "73.0 s". Actions are short scripts and calls, and people compare one run with the last.
   */
  tenths: (ms: number): string => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`),

  /**
   * A deploy operation (restart, rollback, scale) and a timeout ("did not answer within 10 s"):
   * "180 ms", "4.2 s", "95 s". Tenths only where they matter (under ten seconds); a rollout is read
   * against its own `rollout_timeout_s`, which is in seconds.
   */
  seconds: (ms: number): string => (ms < 1000 ? `${ms} ms` : ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`),

  /**
   * A backup or a restore, which can take many minutes: "180 ms", "4.2 s", "42 s", "3 min 10 s".
   */
  elapsed: (ms: number): string => {
    if (ms < 1000) return `${ms} ms`;
    const s = ms / 1000;
    if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
    return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  },

  /**
   * A post-mortem draft's spans, from a command's run time to an incident's length: "180 ms",
   * "4.2 s", "3 min 10 s", "2 h 05 min", "1 d 3 h". Truncated, never rounded up, so a row never
   * claims more time than was spent and the same events always draft the same text (goldens pin it).
   */
  span: (ms: number): string => {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 60_000) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
    const s = Math.floor(ms / 1000);
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
    return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
  },

  /**
   * How long an alert has fired (cards, the storm digest, /alerts): "45 s", "12 min", "3 h 5 min",
   * "2 d 4 h". Rounded to the nearest unit that a glance needs; never negative (clocks of replicas
   * differ by a little).
   */
  age: (ms: number): string => {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 60) return `${s} s`;
    const min = Math.round(s / 60);
    if (min < 60) return `${min} min`;
    const h = Math.floor(min / 60);
    if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
    const d = Math.floor(h / 24);
    return h % 24 === 0 ? `${d} d` : `${d} d ${h % 24} h`;
  },

  /**
   * The key times on the post-mortem card (TTA · TTM · TTR), in one unit so the three compare at a
   * glance: "45 s", "95 min".
   */
  'key-time': (ms: number): string => (ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`),

  /**
   * Escalation: "unacknowledged for 14 min", "escalates in 2 h 0 min". Whole minutes, rounded
   * down, so a group is never said to be unacknowledged for the step's `after_min` before it is.
   */
  escalation: (ms: number): string => {
    const m = Math.max(0, Math.floor(ms / 60_000));
    return m < 120 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
  },

  /**
   * How long to wait before trying again (a ticket API's Retry-After): "40 s", "5 min". Rounded up
   * and at least 1 s, so a person is never told to retry before the service allows it.
   */
  wait: (ms: number): string => (ms < 90_000 ? `${Math.max(1, Math.ceil(ms / 1000))} s` : `${Math.ceil(ms / 60_000)} min`),
} satisfies Record<string, (ms: number) => string>;

export type DurationStyle = keyof typeof STYLES;

/** `ms` milliseconds in the given style (see each style for its examples and why it exists). */
export function duration(ms: number, style: DurationStyle): string {
  return STYLES[style](ms);
}
