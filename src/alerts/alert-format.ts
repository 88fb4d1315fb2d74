/**
 * How alert groups are spoken of on cards, the storm digest and /alerts: severity order and
 * colour, times, counts. Pure; every text from labels and annotations is cut here and escaped by
 * each platform's renderer.
 */
import type { ReplyStatus } from '../core/reply.js';
import { cut } from '../core/text-format.js';
import type { AlertGroup } from './model.js';

/** Severity words seen in Alertmanager rules, Grafana and paging tools, most urgent first. */
const SEVERITY_RANKS: readonly (readonly string[])[] = [
  ['critical', 'crit', 'page', 'fatal', 'emergency', 'p1', 'sev1', 'sev-1'],
  ['error', 'high', 'major', 'p2', 'sev2', 'sev-2'],
  ['warning', 'warn', 'medium', 'minor', 'p3', 'sev3', 'sev-3'],
  ['info', 'low', 'notice', 'p4', 'sev4', 'sev-4', 'none'],
];

/** 0 (critical) … 4 (unknown or none): the digest and /alerts list the urgent first. */
export function severityRank(severity: string | null): number {
  const s = (severity ?? '').trim().toLowerCase();
  const i = SEVERITY_RANKS.findIndex((words) => words.includes(s));
  return i < 0 ? SEVERITY_RANKS.length : i;
}

/** A firing group's colour follows its severity; a resolved one is green. */
export function groupStatus(group: Pick<AlertGroup, 'status' | 'severity'>): ReplyStatus {
  if (group.status === 'resolved') return 'ok';
  const rank = severityRank(group.severity);
  return rank <= 1 ? 'error' : rank === 3 ? 'info' : 'warning';
}

/** Firing groups first, then by severity, then newest first; ties by id so pages stay put. */
export function compareGroups(a: AlertGroup, b: AlertGroup): number {
  if (a.status !== b.status) return a.status === 'firing' ? -1 : 1;
  const bySeverity = severityRank(a.severity) - severityRank(b.severity);
  if (bySeverity !== 0) return bySeverity;
  const byAge = b.firstFiredAt.getTime() - a.firstFiredAt.getTime();
  if (byAge !== 0) return byAge;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-25 14:02 UTC": chat has no time zone of the reader, and a card is read hours later. */
export function utcDateTime(d: Date): string {
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC`;
}

/** "14:02 UTC" on the day of `sameDayAs`, else the full date. */
export function utcTime(d: Date, sameDayAs: Date): string {
  return d.toISOString().slice(0, 10) === sameDayAs.toISOString().slice(0, 10) ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())} UTC` : utcDateTime(d);
}

/** "3 firing, 1 resolved" (only the parts that are not zero; "none" when both are). */
export function countsText(group: Pick<AlertGroup, 'firingCount' | 'resolvedCount'>): string {
  const parts = [group.firingCount > 0 ? `${group.firingCount} firing` : '', group.resolvedCount > 0 ? `${group.resolvedCount} resolved` : ''].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * The service column of a list: the service, else the health watch's check (datastores and TLS
 * checks have no service, and their groups would all read "HealthCheckFailing —"), else "—".
 */
export function serviceCell(group: Pick<AlertGroup, 'service' | 'source' | 'commonLabels'>, max: number): string {
  if (group.service) return cut(group.service, max);
  const check = group.source === 'watch' ? group.commonLabels.check : undefined;
  return check ? cut(`check ${check}`, max) : '—';
}

/** "HighErrorRate (api)": what a person calls the group. */
export function groupName(group: Pick<AlertGroup, 'alertname' | 'service'>, max = 120): string {
  const name = cut(group.alertname || 'alert', max);
  return group.service ? `${name} (${cut(group.service, 60)})` : name;
}
