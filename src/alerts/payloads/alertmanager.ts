import { z } from 'zod';
import type { AlertNotification, IncomingAlert } from '../model.js';
import { isPlausibleTime, storableKey, storableText } from '../storable.js';

/** Text as it will be stored: NUL removed, lone surrogates replaced (see storable.ts). */
export const text = z.string().transform(storableText);
/** A key (group key, fingerprint): storable text that is still there once NUL is removed. */
export const key = text.pipe(z.string().min(1, 'must not be empty (NUL characters are removed)'));
export const stringMap = z.record(text, text);

/** Alertmanager writes 0001-01-01T00:00:00Z for "not set". */
const UNSET_TIME_BEFORE = Date.UTC(1971, 0, 1);
export const timeOrNull = (s: string | null | undefined): Date | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return isPlausibleTime(t) && t >= UNSET_TIME_BEFORE ? new Date(t) : null;
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
    generatorURL: text.default(''),
    fingerprint: key,
  })
  .loose();

/** The notification's envelope, shared by Alertmanager (version 4) and Grafana (version 1). */
export const notificationEnvelope = {
  groupKey: key,
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: text.default(''),
  groupLabels: stringMap.default({}),
  commonLabels: stringMap.default({}),
  commonAnnotations: stringMap.default({}),
  externalURL: text.default(''),
};

export const alertmanagerPayloadSchema = z
  .object({ version: z.literal('4'), ...notificationEnvelope, alerts: z.array(alertmanagerAlertSchema).min(1) })
  .loose();
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

type AlertmanagerAlert = z.infer<typeof alertmanagerAlertSchema>;

/**
 * One alert as both senders send it, normalized ("0001-01-01" ends and empty URLs are "not set").
 * A start that is no real time (year −10000) is unknown: the alert counts from when it was received.
 */
export function incomingAlert(a: AlertmanagerAlert, receivedAt: Date): IncomingAlert {
  const startsAt = Date.parse(a.startsAt);
  const known = isPlausibleTime(startsAt);
  return {
    fingerprint: storableKey(a.fingerprint),
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: known ? new Date(startsAt) : receivedAt,
    ...(known ? {} : { startsAtUnknown: true }),
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
    groupKey: storableKey(groupKey),
    status: p.status,
    receiver: p.receiver || null,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalUrl: p.externalURL || null,
    alerts,
  };
}

export function fromAlertmanager(p: AlertmanagerPayload, receivedAt = new Date()): AlertNotification {
  return notificationOf('alertmanager', p.groupKey, p, p.alerts.map((a) => incomingAlert(a, receivedAt)));
}
