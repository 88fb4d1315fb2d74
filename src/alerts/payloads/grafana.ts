import { z } from 'zod';
import type { AlertNotification, IncomingAlert } from '../model.js';
import { alertmanagerAlertSchema, notificationEnvelope, timeOrNull } from './alertmanager.js';

/**
 * Grafana's webhook contact point payload (version "1"): Alertmanager's shape plus dashboard,
 * panel and silence links and the evaluated values. Unknown fields are accepted.
 */
export const grafanaPayloadSchema = z
  .object({
    version: z.literal('1'),
    ...notificationEnvelope,
    orgId: z.number().int().optional(),
    title: z.string().optional(),
    message: z.string().optional(),
    alerts: z
      .array(
        alertmanagerAlertSchema.extend({
          silenceURL: z.string().default(''),
          dashboardURL: z.string().default(''),
          panelURL: z.string().default(''),
          values: z.record(z.string(), z.number()).nullish(),
          valueString: z.string().optional(),
        }),
      )
      .min(1),
  })
  .loose();
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

export function fromGrafana(p: GrafanaPayload): AlertNotification {
  const alerts: IncomingAlert[] = p.alerts.map((a) => ({
    fingerprint: a.fingerprint,
    status: a.status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt),
    endsAt: a.status === 'resolved' ? timeOrNull(a.endsAt) : null,
    generatorUrl: a.generatorURL || null,
    dashboardUrl: a.dashboardURL || null,
    panelUrl: a.panelURL || null,
    silenceUrl: a.silenceURL || null,
    values: a.values ?? null,
  }));
  return {
    source: 'grafana',
    groupKey: `grafana:${p.orgId ?? 1}:${p.groupKey}`,
    status: p.status,
    receiver: p.receiver || null,
    groupLabels: p.groupLabels,
    commonLabels: p.commonLabels,
    commonAnnotations: p.commonAnnotations,
    externalUrl: p.externalURL || null,
    alerts,
  };
}
