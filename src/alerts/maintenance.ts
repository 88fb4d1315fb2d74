/**
 * Maintenance windows: "is this alert held?" as pure functions over windows and time. A window
 * holds the alerts of its services while it is on: their cards are still shown (marked), but they
 * do not escalate, page or declare incidents. A group still firing when the window ends escalates
 * from then, as if it had fired at the end. Windows come from the config (`maintenance:`, a cron
 * and a duration) and from /maintenance start; both are kept in the store (migration 161).
 */
import { Cron } from 'croner';
import { parseDurationMin, windowName } from '../config/maintenance-schema.js';
import type { FirebreakConfig } from '../config/schema.js';

export interface MaintenanceWindow {
  /** The store's id; null for a configured occurrence not stored yet (its notice is not due). */
  id: string | null;
  /** The configured window's name; null for one started with /maintenance start. */
  configName: string | null;
  services: string[];
  reason: string;
  startsAt: Date;
  endsAt: Date;
  /** Ended early (/maintenance end). */
  endedAt: Date | null;
  endedBy: string | null;
  createdBy: string;
  noticeH: number;
}

/** What a held group's card says: which window, why, until when. */
export interface HeldBy {
  id: string;
  reason: string;
  until: Date;
}

/** When it is over: ended early, or its planned end. */
export function windowEnd(w: Pick<MaintenanceWindow, 'endsAt' | 'endedAt'>): Date {
  return w.endedAt && w.endedAt < w.endsAt ? w.endedAt : w.endsAt;
}

export function isOn(w: MaintenanceWindow, at: Date): boolean {
  return w.startsAt <= at && at < windowEnd(w);
}

/** The window that holds an alert of `service` at `at` (the one that ends last), or null. Pure. */
export function heldBy(windows: readonly MaintenanceWindow[], service: string | null, at: Date): MaintenanceWindow | null {
  if (!service) return null;
  let held: MaintenanceWindow | null = null;
  for (const w of windows) {
    if (!w.services.includes(service) || !isOn(w, at)) continue;
    if (!held || windowEnd(w) > windowEnd(held)) held = w;
  }
  return held;
}

/**
 * From when a group's escalation counts: when it first fired, or the end of the last window of its
 * service that was on after that (and is over by `now`). Pure.
 */
export function escalationClock(windows: readonly MaintenanceWindow[], service: string | null, firstFiredAt: Date, now: Date): Date {
  let from = firstFiredAt;
  if (!service) return from;
  for (const w of windows) {
    const end = windowEnd(w);
    if (w.services.includes(service) && end > from && end <= now && w.startsAt < end) from = end;
  }
  return from;
}

/** Occurrences of the configured windows that overlap [from, to], computed from their crons (UTC). Pure. */
export function configuredOccurrences(config: FirebreakConfig, from: Date, to: Date): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  for (const [i, w] of config.maintenance.entries()) {
    const durMs = parseDurationMin(w.duration)! * 60_000;
    const cron = new Cron(w.cron, { paused: true, timezone: 'UTC' });
    // An occurrence that started up to one duration before `from` is still on at `from`.
    let cursor: Date | null = new Date(from.getTime() - durMs - 1000);
    for (let n = 0; n < 500; n++) {
      cursor = cron.nextRun(cursor);
      if (!cursor || cursor > to) break;
      const endsAt = new Date(cursor.getTime() + durMs);
      if (endsAt > from) {
        out.push({ id: null, configName: windowName(w, i), services: [...w.services], reason: w.reason, startsAt: cursor, endsAt, endedAt: null, endedBy: null, createdBy: 'config', noticeH: w.notice_h });
      }
    }
  }
  return out;
}

/** The stored windows, plus configured occurrences not stored yet (a stored one wins: it may have ended early). Pure. */
export function mergeWindows(stored: readonly MaintenanceWindow[], configured: readonly MaintenanceWindow[]): MaintenanceWindow[] {
  const key = (w: MaintenanceWindow) => `${w.configName}@${w.startsAt.getTime()}`;
  const have = new Set(stored.filter((w) => w.configName).map(key));
  return [...stored, ...configured.filter((w) => !have.has(key(w)))];
}

/** The maintenance windows (src/store/maintenance-repository.ts). */
export interface MaintenanceStore {
  /** A window started by hand; or a configured occurrence, stored once (name + start): the existing one is returned. */
  create(w: Omit<MaintenanceWindow, 'id' | 'endedAt' | 'endedBy'>): Promise<MaintenanceWindow>;
  /** Windows that are on at some point in [from, to] (ended ones included when they overlap). */
  overlapping(from: Date, to: Date): Promise<MaintenanceWindow[]>;
  get(id: string): Promise<MaintenanceWindow | null>;
  /** Ends it now; null when it is unknown or already over (nothing changes then). */
  end(id: string, at: Date, by: string): Promise<MaintenanceWindow | null>;
  /** Claims one announcement of a window: true for exactly one caller. */
  claimAnnouncement(id: string, kind: 'notice' | 'start' | 'end'): Promise<boolean>;
  /**
   * Claims the one timeline event of a window's start or end: true for exactly one caller. The
   * command claims it when a person starts or ends a window (recorded with who), the announcer
   * otherwise (recorded as the system), so each is recorded once.
   */
  claimRecord(id: string, kind: 'start' | 'end'): Promise<boolean>;
}

/** Every window overlapping [from, to]: the stored ones and the configured ones not stored yet. */
export async function windowsBetween(config: FirebreakConfig, store: MaintenanceStore | undefined, from: Date, to: Date): Promise<MaintenanceWindow[]> {
  const configured = configuredOccurrences(config, from, to);
  if (!store) return configured;
  return mergeWindows(await store.overlapping(from, to), configured);
}

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const dayTime = (d: Date) => `${d.toISOString().slice(0, 10)} ${hhmm(d)} UTC`;

/** "#3 api, gateway 02:00–04:00 UTC: Postgres upgrade" — one line of /maintenance list and the announcements. */
export function windowLine(w: MaintenanceWindow): string {
  const id = w.id ? `#${w.id}` : '(scheduled)';
  const name = w.configName ? ` ${w.configName}` : '';
  const ended = w.endedAt && w.endedAt < w.endsAt ? ` (ended early at ${hhmm(w.endedAt)}${w.endedBy ? ` by ${w.endedBy}` : ''})` : '';
  return `${id}${name} · ${w.services.join(', ')} · ${dayTime(w.startsAt)} – ${w.startsAt.toISOString().slice(0, 10) === w.endsAt.toISOString().slice(0, 10) ? `${hhmm(w.endsAt)} UTC` : dayTime(w.endsAt)}${ended} · ${w.reason}`;
}

/** The card's mark while a group is held. */
export function heldText(h: HeldBy): string {
  return `🔧 during maintenance until ${hhmm(h.until)} UTC (${h.reason}): no escalation, page or incident until then`;
}
