import type { AlertStore } from '../../src/alerts/alert-store.js';
import type { AlertGroup, AlertNotification } from '../../src/alerts/model.js';
import { routeFor } from '../../src/alerts/routing.js';
import type { FirebreakConfig } from '../../src/config/schema.js';

export interface TestAlert {
  alertname: string;
  severity?: string;
  service?: string;
  summary?: string;
  firstFiredAt: Date;
}

let seq = 0;

/** An Alertmanager-like notification of one alert, firing or resolved; the group key is unique per call of `groupKeyFor`. */
export function notificationOf(a: TestAlert & { groupKey: string }, status: 'firing' | 'resolved', endsAt: Date | null = null): AlertNotification {
  const labels: Record<string, string> = { alertname: a.alertname, ...(a.severity ? { severity: a.severity } : {}), ...(a.service ? { service: a.service } : {}) };
  const annotations: Record<string, string> = a.summary ? { summary: a.summary } : {};
  return {
    source: 'alertmanager',
    groupKey: a.groupKey,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: a.alertname },
    commonLabels: labels,
    commonAnnotations: annotations,
    externalUrl: 'http://am-0:9093',
    alerts: [{ fingerprint: `fp-${a.groupKey}`, status, labels, annotations, startsAt: a.firstFiredAt, endsAt: status === 'resolved' ? (endsAt ?? new Date()) : null, generatorUrl: null }],
  };
}

/** Stores a firing group through the real AlertStore, as a webhook would; returns it with a resolve(). */
export async function fireGroup(alerts: AlertStore, config: FirebreakConfig, a: TestAlert, platforms: readonly string[]): Promise<AlertGroup & { resolve(at: Date): Promise<AlertGroup> }> {
  const groupKey = `{}:{alertname="${a.alertname}"}:${++seq}`;
  const n = notificationOf({ ...a, groupKey }, 'firing');
  const { group } = await alerts.ingest(n, routeFor(config, n), platforms);
  return {
    ...group,
    async resolve(at: Date) {
      const r = notificationOf({ ...a, groupKey }, 'resolved', at);
      const result = await alerts.ingest(r, routeFor(config, r), platforms);
      if (result.transition !== 'resolved') throw new Error(`expected the group to resolve, got ${result.transition}`);
      return result.group;
    },
  };
}
