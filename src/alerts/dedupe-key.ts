import { createHash } from 'node:crypto';
import type { AlertNotification } from './model.js';

/**
 * What makes two notifications the same: group, status, and each alert's fingerprint with its
 * start and end. Never externalURL: the two Alertmanagers of an HA pair send the same notification
 * with their own externalURL each (alertmanager #1718, #4152), and they must make one card update.
 */
export function notificationDedupeKey(n: AlertNotification): string {
  const alerts = n.alerts
    .map((a) => [a.fingerprint, a.status, a.startsAt.toISOString(), a.endsAt ? a.endsAt.toISOString() : null] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  return createHash('sha256').update(JSON.stringify([n.source, n.groupKey, n.status, alerts])).digest('hex');
}
