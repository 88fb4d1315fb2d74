import { createHash } from 'node:crypto';
import type { AlertNotification } from './model.js';

const sha256 = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');
const byFirst = <T extends readonly [string, ...unknown[]]>(x: T, y: T) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);
/** Object keys sorted, so the same labels sent in another order are the same content. */
const sorted = (m: Record<string, unknown> | null | undefined) => (m ? Object.entries(m).sort(byFirst) : null);

/**
 * The state a notification tells: group, status, and each alert's fingerprint, status, start and
 * end. Two notifications with the same state key differ at most in what they say about it.
 */
export function notificationStateKey(n: AlertNotification): string {
  const alerts = n.alerts
    .map((a) => [a.fingerprint, a.status, a.startsAtUnknown ? 'unknown' : a.startsAt.toISOString(), a.endsAt ? a.endsAt.toISOString() : null] as const)
    .sort(byFirst);
  return sha256([n.source, n.groupKey, n.status, alerts]);
}

/**
 * What makes two notifications the same: the state key plus what the card shows of each alert
 * (labels, annotations such as a summary "disk 99%", Grafana's values) and the common annotations,
 * so an update with new content is never taken for a repeat.
 *
 * Never externalURL: the two Alertmanagers of an HA pair send the same notification with their own
 * externalURL each (alertmanager #1718, #4152), and they must make one card update. Nor links
 * (generatorURL, Grafana's dashboard/panel/silence URLs): each Prometheus of an HA pair writes its
 * own generatorURL, so twins may differ there too.
 */
export function notificationDedupeKey(n: AlertNotification): string {
  const content = n.alerts
    .map((a) => [a.fingerprint, sorted(a.labels), sorted(a.annotations), sorted(a.values)] as const)
    .sort(byFirst);
  return sha256([notificationStateKey(n), sorted(n.commonAnnotations), content]);
}
