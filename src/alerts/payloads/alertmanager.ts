import { z } from 'zod';
import type { AlertNotification, IncomingAlert } from '../model.js';

export const stringMap = z.record(z.string(), z.string());

/** Alertmanager writes 0001-01-01T00:00:00Z for "not set". */
const UNSET_TIME_BEFORE = Date.UTC(1971, 0, 1);
export const timeOrNull = (s: string | null | undefined): Date | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) && t >= UNSET_TIME_BEFORE ? new Date(t) : null;
};
export const timestamp = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'must be an RFC 3339 time');

/**
 * Alertmanager's webhook payload, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).
 * Unknown fields are accepted: newer versions add some.
 */
/** One alert as Alertmanager sends it; Grafana sends the same fields and more (see grafana.ts). */
export const alertmanagerAlertSchema = z
  .object({
    status: z.enum(['firing', 'resolved']),
    labels: stringMap,
    annotations: stringMap.default({}),
    startsAt: timestamp,
    endsAt: z.string().default(''),
    generatorURL: z.string().default(''),
    fingerprint: z.string().min(1),
  })
  .loose();

/** The notification's envelope, shared by Alertmanager (version 4) and Grafana (version 1). */
export const notificationEnvelope = {
  groupKey: z.string().min(1),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().default(''),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: z.string().default(''),
};

export const alertmanagerPayloadSchema = z
  .object({ version: z.literal('4'), ...notificationEnvelope, alerts: z.array(alertmanagerAlertSchema).min(1) })
  .loose();
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/** One alert as both senders send it, normalized ("0001-01-01" ends and empty URLs are "not set"). */
export function incomingAlert(a: AlertmanagerAlert): IncomingAlert {
  return {
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: a.status === 'resolved' ? timeOrNull(a.endsAt) : null,
    generatorUrl: a.generatorURL || null,
  };
}

/** The envelope as both senders send it; `groupKey` is the sender's key as Firebreak stores it. */
export interface NotificationEnvelope {
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
}

export function notificationOf(source: AlertNotification['source'], groupKey: string, p: NotificationEnvelope, alerts: IncomingAlert[]): AlertNotification {
  return {
    source,
    groupKey,
    status: p.status,
    receiver: p.receiver || null,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalUrl: p.externalURL || null,
    alerts,
  };
}

export function fromAlertmanager(p: AlertmanagerPayload): AlertNotification {
  return notificationOf('alertmanager', p.groupKey, p, p.alerts.map(incomingAlert));
}
