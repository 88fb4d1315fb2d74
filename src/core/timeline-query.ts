/**
 * What `/timeline [SERVICE] [--since 6h] [--user alice]` lists, decided here rather than only in
 * the store's SQL: the store implements `page` with these rules, and `matchesTimelineQuery` is the
 * same rule over events in memory (the integration test holds the two to each other).
 */
import type { TimelineEvent, TimelinePageQuery } from './timeline.js';

export type { TimelinePage, TimelinePageQuery } from './timeline.js';

/** Events per page: a chat message stays readable, and "More" shows the next ones. */
export const TIMELINE_PAGE_SIZE = 20;
/** The furthest back --since may reach. */
export const TIMELINE_SINCE_MAX_S = 90 * 86_400;
const UNIT_S = { m: 60, h: 3600, d: 86_400 } as const;

/**
 * Kinds left out of the list: a rollout's progress lines would bury everything else (its start and
 * its result are listed; the incident timeline and post-mortem keep the lines with their runs).
 */
export const TIMELINE_HIDDEN_KINDS: readonly string[] = ['action.progress'];

/** "90m", "6h", "2d" → seconds; null when it is not a duration /timeline reads. */
export function parseSince(text: string): number | null {
  const m = /^(\d{1,6})([mhd])$/.exec(text.trim());
  if (!m) return null;
  const s = Number(m[1]) * UNIT_S[m[2] as keyof typeof UNIT_S];
  return s > 0 && s <= TIMELINE_SINCE_MAX_S ? s : null;
}

/**
 * The rule over events in memory: `all` is every event that might count (the service rule looks at
 * the other events of the same invocation). Returns those that count, newest first.
 */
export function matchesTimelineQuery(all: readonly TimelineEvent[], q: Omit<TimelinePageQuery, 'page' | 'pageSize'>): TimelineEvent[] {
  const about = q.service === undefined ? null : new Set(all.filter((e) => e.service === q.service).map((e) => e.invocationId));
  const user = q.user?.toLowerCase();
  return all
    .filter((e) => !TIMELINE_HIDDEN_KINDS.includes(e.kind))
    .filter((e) => about === null || about.has(e.invocationId))
    .filter((e) => user === undefined || e.actor.id.toLowerCase() === user || e.actor.name.toLowerCase() === user)
    .filter((e) => q.since === undefined || e.at.getTime() >= q.since.getTime())
    .sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
}
