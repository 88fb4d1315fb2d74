import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registerAlertWebhooks } from '../../src/http/alert-webhooks.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { App } from '../../src/main.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { migrate } from '../../src/store/migrate.js';
import { createTestDatabase } from '../support/postgres.js';
import { silentLogger, testApp } from '../support/app.js';

const TOKEN = 'a-long-alerts-token-1234';
const CONFIG = `
alerts:
  token: ${TOKEN}
  routes:
    - match: { alertname: ProviderDown }
      channel: llm-alerts
      severity: critical
`;

/** Alertmanager 0.25's webhook body, as it sends it (version 4). */
function amPayload(opts: { status?: 'firing' | 'resolved'; externalURL?: string; alerts?: number; extra?: Record<string, unknown> } = {}) {
  const status = opts.status ?? 'firing';
  const alerts = Array.from({ length: opts.alerts ?? 2 }, (_, i) => ({
    status,
    labels: { alertname: 'ProviderDown', service: 'litellm', provider: `p${i}`, severity: 'high' },
    annotations: { summary: `provider p${i} is down` },
    startsAt: '2026-12-01T08:00:00.000Z',
    endsAt: status === 'resolved' ? '2026-12-01T08:20:00.000Z' : '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=up',
    fingerprint: `fp${i}`,
  }));
  return {
    receiver: 'firebreak',
    status,
    alerts,
    groupLabels: { alertname: 'ProviderDown' },
    commonLabels: { alertname: 'ProviderDown', service: 'litellm', severity: 'high' },
    commonAnnotations: {},
    externalURL: opts.externalURL ?? 'http://am-0:9093',
    version: '4',
    groupKey: '{}:{alertname="ProviderDown"}',
    truncatedAlerts: 0,
    ...opts.extra,
  };
}

function grafanaPayload() {
  return {
    receiver: 'firebreak',
    status: 'firing',
    orgId: 1,
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'HighMemory', grafana_folder: 'LLM', service: 'api' },
        annotations: { summary: 'memory above 90%' },
        startsAt: '2026-12-01T08:05:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://grafana:3000/alerting/grafana/abc/view',
        fingerprint: 'g1',
        silenceURL: 'http://grafana:3000/alerting/silence/new?matcher=alertname%3DHighMemory',
        dashboardURL: 'http://grafana:3000/d/xyz',
        panelURL: 'http://grafana:3000/d/xyz?viewPanel=2',
        values: { B: 93.4 },
        valueString: "[ var='B' labels={} value=93.4 ]",
      },
    ],
    groupLabels: { alertname: 'HighMemory' },
    commonLabels: { alertname: 'HighMemory', service: 'api' },
    commonAnnotations: { summary: 'memory above 90%' },
    externalURL: 'http://grafana:3000/',
    version: '1',
    groupKey: '{}/{alertname="HighMemory"}:{alertname="HighMemory"}',
    truncatedAlerts: 0,
    title: '[FIRING:1] HighMemory',
    state: 'alerting',
    message: 'memory above 90%',
  };
}

async function post(server: RunningServer, path: string, body: unknown, token: string | null = TOKEN) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { status?: string; stored?: boolean; group?: string; error?: string } };
}

async function outboxOf(app: App) {
  return app.db.query<{ message_key: string; platform: string; channel: string; version: number }>('SELECT message_key, platform, channel, version FROM outbox ORDER BY id');
}

describe('alert webhooks: stored once, 2xx only when stored', () => {
  let app: App;
  let server: RunningServer;

  beforeEach(async () => {
    app = await testApp(CONFIG);
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
    server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterEach(async () => {
    await server.close();
    await app.close();
  });

  it('an Alertmanager group becomes one group with its alerts, routed, its card marked to be shown, and a timeline event', async () => {
    const r = await post(server, '/webhooks/alertmanager', amPayload({ extra: { somethingNewer: { x: 1 } } }));
    expect(r).toMatchObject({ status: 200, body: { status: 'ok', stored: true } });
    const group = (await app.ports.alerts.get(r.body.group!))!;
    expect(group).toMatchObject({ alertname: 'ProviderDown', service: 'litellm', severity: 'critical', channel: 'llm-alerts', route: 0, status: 'firing', firingCount: 2, resolvedCount: 0 });
    expect(group.firstFiredAt.toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect((await app.ports.alerts.alerts(group.id)).map((a) => [a.fingerprint, a.status, a.endsAt])).toEqual([
      ['fp0', 'firing', null],
      ['fp1', 'firing', null],
    ]);
    // The console is the announcing platform here (no Slack or Discord configured).
    expect(await outboxOf(app)).toEqual([{ message_key: `alert-group:${group.id}`, platform: 'console', channel: 'llm-alerts', version: 1 }]);
    const events = await app.ports.timeline.list({ invocationId: `alert-group:${group.id}` });
    expect(events.map((e) => [e.kind, e.text])).toEqual([['alert.received', 'ProviderDown (litellm): 2 firing, 0 resolved — alertmanager']]);
  });

  it('the HA twin (same notification, other externalURL) and a retry are stored once; resolving updates the same group', async () => {
    const first = await post(server, '/webhooks/alertmanager', amPayload());
    const twin = await post(server, '/webhooks/alertmanager', amPayload({ externalURL: 'http://am-1:9093' }));
    const retry = await post(server, '/webhooks/alertmanager', amPayload());
    expect([first.body.stored, twin.body.stored, retry.body.stored]).toEqual([true, false, false]);
    expect(twin.body.group).toBe(first.body.group);
    expect((await outboxOf(app)).map((o) => o.version)).toEqual([1]);

    const resolved = await post(server, '/webhooks/alertmanager', amPayload({ status: 'resolved' }));
    expect(resolved.body).toMatchObject({ stored: true, group: first.body.group });
    const group = (await app.ports.alerts.get(first.body.group!))!;
    expect(group).toMatchObject({ status: 'resolved', firingCount: 0, resolvedCount: 2 });
    expect(group.resolvedAt).not.toBeNull();
    expect((await outboxOf(app)).map((o) => o.version)).toEqual([2]);
    const kinds = (await app.ports.timeline.list({ invocationId: `alert-group:${group.id}` })).map((e) => e.kind);
    expect(kinds).toEqual(['alert.received', 'alert.resolved']);
  });

  it('a group that fires again needs a new acknowledgement', async () => {
    const first = await post(server, '/webhooks/alertmanager', amPayload());
    const ack = await app.ports.alerts.acknowledge(first.body.group!, { platform: 'console', id: 'alice', name: 'alice' }, ['console']);
    expect(ack?.first).toBe(true);
    expect((await app.ports.alerts.acknowledge(first.body.group!, { platform: 'console', id: 'bob', name: 'bob' }, ['console']))?.first).toBe(false);
    await post(server, '/webhooks/alertmanager', amPayload({ status: 'resolved' }));
    const again = amPayload();
    again.alerts.forEach((a) => (a.startsAt = '2026-12-01T09:00:00.000Z'));
    await post(server, '/webhooks/alertmanager', again);
    const group = (await app.ports.alerts.get(first.body.group!))!;
    expect(group.status).toBe('firing');
    expect(group.acknowledged).toBeNull();
    expect(group.firstFiredAt.toISOString()).toBe('2026-12-01T09:00:00.000Z');
  });

  it('a Grafana notification keeps its dashboard and panel links and values', async () => {
    const r = await post(server, '/webhooks/grafana', grafanaPayload());
    expect(r.status).toBe(200);
    const group = (await app.ports.alerts.get(r.body.group!))!;
    expect(group).toMatchObject({ source: 'grafana', alertname: 'HighMemory', service: 'api', channel: 'incidents', route: null });
    const [alert] = await app.ports.alerts.alerts(group.id);
    expect(alert).toMatchObject({ dashboardUrl: 'http://grafana:3000/d/xyz', panelUrl: 'http://grafana:3000/d/xyz?viewPanel=2', values: { B: 93.4 } });
  });

  it('bad JSON and wrong shapes are 400 naming the first bad field; a wrong token is 401; nothing is stored', async () => {
    expect(await post(server, '/webhooks/alertmanager', '{"version":')).toEqual({ status: 400, body: { error: 'body must be JSON' } });
    const bad = amPayload();
    (bad.alerts[1] as { startsAt: string }).startsAt = 'yesterday';
    expect(await post(server, '/webhooks/alertmanager', bad)).toEqual({ status: 400, body: { error: 'alerts.1.startsAt: must be an RFC 3339 time' } });
    expect((await post(server, '/webhooks/alertmanager', { ...amPayload(), version: '3' })).body.error).toMatch(/^version: /);
    expect((await post(server, '/webhooks/alertmanager', amPayload(), 'not-the-token')).status).toBe(401);
    expect((await post(server, '/webhooks/grafana', grafanaPayload(), null)).status).toBe(401);
    expect(await outboxOf(app)).toEqual([]);
    expect(await app.ports.alerts.firing()).toEqual([]);
  });

  it('a store failure is 503 and stores nothing; the retry is then stored once', async () => {
    const router = new Router();
    const failing = { ...app.ports, alerts: { ...app.ports.alerts, ingest: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) } };
    registerAlertWebhooks(router, { config: app.loaded.config, ports: failing, logger: silentLogger, metrics: app.metrics });
    const down = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    try {
      expect(await post(down, '/webhooks/alertmanager', amPayload())).toEqual({ status: 503, body: { error: 'Firebreak could not store the alerts right now; retry' } });
    } finally {
      await down.close();
    }
    expect(await app.ports.alerts.firing()).toEqual([]);
    const retried = await post(server, '/webhooks/alertmanager', amPayload());
    const again = await post(server, '/webhooks/alertmanager', amPayload());
    expect([retried.body.stored, again.body.stored]).toEqual([true, false]);
    expect(await app.ports.alerts.firing()).toHaveLength(1);
  });

  it('counts received alerts by source in /metrics', async () => {
    await post(server, '/webhooks/alertmanager', amPayload({ alerts: 3 }));
    await post(server, '/webhooks/grafana', grafanaPayload());
    const text = await app.metrics.registry.metrics();
    expect(text).toContain('firebreak_alerts_received_total{source="alertmanager"} 3');
    expect(text).toContain('firebreak_alerts_received_total{source="grafana"} 1');
  });
});

describe('alert webhooks without alerts.token', () => {
  it('accept loopback only', async () => {
    const app = await testApp('');
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
    const match = router.match('POST', '/webhooks/alertmanager');
    if (!match || match === 'method-not-allowed') throw new Error('route missing');
    const req = (remoteAddress: string) => ({ method: 'POST', path: '/webhooks/alertmanager', query: new URLSearchParams(), headers: {}, rawBody: Buffer.from(JSON.stringify(amPayload())), remoteAddress, params: {} });
    try {
      expect((await match.route.handler(req('10.0.0.7'), undefined as never))?.status).toBe(403);
      expect((await match.route.handler(req('127.0.0.1'), undefined as never))?.status).toBe(200);
    } finally {
      await app.close();
    }
  });
});

describe('alert ingestion on PostgreSQL: an HA pair delivering to two replicas at once', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('fb_alerts');
  });
  afterAll(async () => db.drop());

  it('stores the group once and marks one card update', async () => {
    const a = await openPostgres(db.url);
    const b = await openPostgres(db.url);
    await migrate(a);
    const appA = await testApp(CONFIG, { db: a });
    const appB = await testApp(CONFIG, { db: b });
    const servers = await Promise.all(
      [appA, appB].map((app) => {
        const router = new Router();
        registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
        return startHttpServer(router, 0, silentLogger, '127.0.0.1');
      }),
    );
    try {
      const results = await Promise.all([
        post(servers[0]!, '/webhooks/alertmanager', amPayload({ externalURL: 'http://am-0:9093' })),
        post(servers[1]!, '/webhooks/alertmanager', amPayload({ externalURL: 'http://am-1:9093' })),
        post(servers[0]!, '/webhooks/alertmanager', amPayload({ externalURL: 'http://am-1:9093' })),
        post(servers[1]!, '/webhooks/alertmanager', amPayload({ externalURL: 'http://am-0:9093' })),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      expect(results.filter((r) => r.body.stored)).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.group)).size).toBe(1);
      expect((await outboxOf(appA)).map((o) => o.version)).toEqual([1]);
      expect((await appA.ports.timeline.list({ invocationId: `alert-group:${results[0]!.body.group}` })).map((e) => e.kind)).toEqual(['alert.received']);
    } finally {
      for (const s of servers) await s.close();
      await appA.close();
      await appB.close();
      await a.close();
      await b.close();
    }
  });
});
