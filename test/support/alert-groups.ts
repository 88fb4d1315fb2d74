/**
 * Alert groups stored the way a webhook stores them: an Alertmanager notification through
 * ingestNotification (routing, dedupe, the group, its alerts and its outbox rows in one
 * transaction). The same spec gives the same notification, so sending it twice is a repeat.
 */
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { AlertGroup, AlertNotification, AlertStatus } from '../../src/alerts/model.js';
import type { App } from '../../src/main.js';

export interface GroupSpec {
  /** Alertmanager's groupKey. */
  key: string;
  alertname: string;
  service?: string;
  severity?: string;
  summary?: string;
  /** Alerts by fingerprint; default one firing alert "fp1". */
  alerts?: { fingerprint: string; status: AlertStatus; labels?: Record<string, string> }[];
  firstFiredAt?: Date;
}

/** When a group key was first used: fixed per key, so a repeated spec is the same notification (Alertmanager's retry, an HA twin). */
const started = new Map<string, Date>();
const startOf = (key: string) => {
  let at = started.get(key);
  if (!at) started.set(key, (at = new Date(Math.floor(Date.now() / 1000) * 1000)));
  return at;
};

export function notificationFor(g: GroupSpec): AlertNotification {
  const alerts = g.alerts ?? [{ fingerprint: 'fp1', status: 'firing' as const }];
  const labels: Record<string, string> = { alertname: g.alertname, ...(g.service ? { service: g.service } : {}), ...(g.severity ? { severity: g.severity } : {}) };
  const annotations: Record<string, string> = g.summary ? { summary: g.summary } : {};
  const startsAt = g.firstFiredAt ?? startOf(g.key);
  return {
    source: 'alertmanager',
    groupKey: g.key,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: 'firebreak',
    groupLabels: { alertname: g.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalUrl: 'http://alertmanager-0:9093',
    alerts: alerts.map((a) => ({
      fingerprint: `${g.key}-${a.fingerprint}`,
      status: a.status,
      labels: { ...labels, instance: a.fingerprint, ...(a.labels ?? {}) },
      annotations,
      startsAt,
      endsAt: a.status === 'resolved' ? new Date(startsAt.getTime() + 60_000) : null,
      generatorUrl: null,
    })),
  };
}

/** Ingests the spec's notification on `app` (a replica) and returns the group as stored. */
export async function ingestGroup(app: Pick<App, 'ports' | 'loaded'>, g: GroupSpec): Promise<AlertGroup> {
  return (await ingestNotification(app.ports, app.loaded.config, notificationFor(g))).group;
}
