/**
 * What an ingested notification means for its group's name and its timeline, decided without a
 * database (beside group-transitions.ts). The store writes what these return, in the transaction
 * that stores the alerts.
 */
import type { AlertGroup, AlertNotification, AlertStatus } from './model.js';

/** The labels a group is stored with: its grouping labels, overridden by what all its alerts share. */
export function groupLabels(n: AlertNotification): Record<string, string> {
  return { ...n.groupLabels, ...n.commonLabels };
}

/**
 * What a group is called on its card and in the timeline: its alertname (from the group's labels,
 * else the first alert's), and its service when the group names one or every alert has the same.
 */
export function groupName(n: AlertNotification): { alertname: string; service: string | null } {
  const labels = groupLabels(n);
  const first = n.alerts[0]!;
  const alertname = labels.alertname ?? first.labels.alertname ?? '(unnamed alert)';
  const service = labels.service ?? (n.alerts.every((a) => a.labels.service === first.labels.service) ? (first.labels.service ?? null) : null);
  return { alertname, service };
}

/** The timeline event a stored notification records: its kind, and the line people read. */
export function groupEvent(
  n: Pick<AlertNotification, 'source'> & { status: AlertStatus },
  name: { alertname: string; service: string | null },
  group: Pick<AlertGroup, 'firingCount' | 'resolvedCount'>,
): { kind: 'alert.received' | 'alert.resolved'; text: string } {
  return {
    kind: n.status === 'resolved' ? 'alert.resolved' : 'alert.received',
    // A drill's events say so wherever the timeline is read (src/alerts/drill-alert.ts).
    text: `${n.source === 'drill' ? '🧪 DRILL · ' : ''}${name.alertname}${name.service ? ` (${name.service})` : ''}: ${group.firingCount} firing, ${group.resolvedCount} resolved — ${n.source}`,
  };
}
