import { z } from 'zod';
import type { AlertNotification, IncomingAlert } from '../model.js';
import { alertmanagerAlertSchema, incomingAlert, notificationEnvelope, notificationOf } from './alertmanager.js';

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
    ...incomingAlert(a),
    dashboardUrl: a.dashboardURL || null,
    panelUrl: a.panelURL || null,
    silenceUrl: a.silenceURL || null,
    values: a.values ?? null,
  }));
  // Grafana's group keys are per organization; two orgs may use the same rules.
  return notificationOf('grafana', `grafana:${p.orgId ?? 1}:${p.groupKey}`, p, alerts);
}
