import { z } from 'zod';
import type { AlertNotification, IncomingAlert } from '../model.js';
import { alertmanagerAlertSchema, incomingAlert, notificationEnvelope, notificationOf, text } from './alertmanager.js';

/**
 * Grafana's webhook contact point payload (version "1"): Alertmanager's shape plus dashboard,
 * panel and silence links and the evaluated values. Unknown fields are accepted.
 */
export const grafanaPayloadSchema = z
  .object({
    version: z.literal('1'),
    ...notificationEnvelope,
    orgId: z.number().int().optional(),
    title: text.optional(),
    message: text.optional(),
    alerts: z
      .array(
        alertmanagerAlertSchema.extend({
          silenceURL: text.default(''),
          dashboardURL: text.default(''),
          panelURL: text.default(''),
          // A value JSON cannot carry as a number (1e400 parses as Infinity) is left out, not the alert.
          values: z.record(text, z.unknown()).transform(finiteValues).nullish(),
          valueString: text.optional(),
        }),
      )
      .min(1),
  })
  .loose();
export type GrafanaPayload = z.infer<typeof grafanaPayloadSchema>;

function finiteValues(values: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter((e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1])));
}

export function fromGrafana(p: GrafanaPayload, receivedAt = new Date()): AlertNotification {
  const alerts: IncomingAlert[] = p.alerts.map((a) => ({
    ...incomingAlert(a, receivedAt),
    dashboardUrl: a.dashboardURL || null,
    panelUrl: a.panelURL || null,
    silenceUrl: a.silenceURL || null,
    values: a.values ?? null,
  }));
  // Grafana's group keys are per organization; two orgs may use the same rules.
  return notificationOf('grafana', `grafana:${p.orgId ?? 1}:${p.groupKey}`, p, alerts);
}
