import type { AlertGroup, StoredAlert } from '../../src/alerts/model.js';

/** A firing Alertmanager group as the store keeps it: 2 of 3 alerts firing. */
export function groupFixture(over: Partial<AlertGroup> = {}): AlertGroup {
  return {
    id: '42',
    groupKey: '{}/{alertname="ProviderDown"}:{alertname="ProviderDown", service="api"}',
    source: 'alertmanager',
    status: 'firing',
    alertname: 'ProviderDown',
    service: 'api',
    severity: 'critical',
    channel: 'incidents',
    route: 0,
    commonLabels: { alertname: 'ProviderDown', service: 'api', severity: 'critical', provider: 'openai' },
    commonAnnotations: { summary: 'Provider openai is failing', runbook_url: 'https://runbooks.example.com/001#provider-down' },
    firstFiredAt: new Date('2026-11-25T14:02:00Z'),
    lastChangeAt: new Date('2026-11-25T14:04:00Z'),
    resolvedAt: null,
    acknowledged: null,
    silence: null,
    escalated: [],
    incidentId: null,
    version: 3,
    firingCount: 2,
    resolvedCount: 1,
    ...over,
  };
}

export function alertFixture(i: number, over: Partial<StoredAlert> = {}): StoredAlert {
  return {
    fingerprint: `fp${i}`,
    status: 'firing',
    labels: { alertname: 'ProviderDown', service: 'api', severity: 'critical', provider: 'openai', instance: `gw-${i}:9090` },
    annotations: { summary: 'Provider openai is failing', description: `5xx from openai on gw-${i}: 38% of requests` },
    startsAt: new Date('2026-11-25T14:02:00Z'),
    endsAt: null,
    generatorUrl: 'http://prometheus.internal:9090/graph?g0.expr=rate(provider_errors_total%5B5m%5D)&g0.tab=1',
    dashboardUrl: null,
    panelUrl: null,
    values: null,
    seen: 1,
    ...over,
  };
}

export const ALERT_CARD_CONFIG = `
alerts:
  alertmanager_url: http://alertmanager.internal:9093
  routes:
    - match: { alertname: ProviderDown }
      actions:
        - "disable-provider provider={{labels.provider}}"
        - "reset-circuit provider={{labels.provider}}"
        - "switch-fallback-model alias={{labels.model}} target=gpt-4o-mini"
services:
  api:
    deploy: { kind: kubernetes, namespace: conduit, deployment: conduit-api }
    replicas: { min: 2, max: 30 }
actions:
  reset-circuit:
    params: { provider: { type: enum, values: [openai, anthropic] } }
    argv: [echo, "{provider}"]
  disable-provider:
    params: { provider: { type: enum, values: [openai, anthropic] } }
    argv: [echo, "{provider}"]
  switch-fallback-model:
    params:
      alias: { type: string, pattern: "^[a-z0-9-]{1,40}$" }
      target: { type: enum, values: [gpt-4o-mini] }
    argv: [echo, "{alias}", "{target}"]
`;
