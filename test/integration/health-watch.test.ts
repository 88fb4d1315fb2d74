import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthWatch, type HealthWatchDeps } from '../../src/alerts/health-watch.js';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { AlertNotification } from '../../src/alerts/model.js';
import { MemoryCoordination } from '../../src/coordination/memory-coordination.js';
import type { App } from '../../src/main.js';
import type { Coordination } from '../../src/core/ports.js';
import { SqlHealthWatchRepository } from '../../src/store/health-watch-repository.js';
import { configFrom, silentLogger, testApp } from '../support/app.js';

/**
 * The health watch against a local HTTP service that starts failing and recovers, on the SQL
 * AlertStore: what the store holds for the watch's alert group after each interval. Intervals are
 * driven by tick() with an injected clock, never by waiting.
 */
const T0 = Date.parse('2026-11-25T14:00:00.000Z');
const INTERVAL_MS = 10_000;

let server: Server;
let url: string;
let failing = false;
let hits = 0;
let app: App;

beforeAll(async () => {
  server = createServer((_req, res) => {
    hits++;
    res.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(failing ? 'down' : 'ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health`;
  app = await testApp(`
services:
  api:
    health: { type: http, url: "${url}", timeout_ms: 2000 }
alerts:
  watch: { interval_s: 10, failure_threshold: 3 }
`);
});
afterAll(async () => {
  await app?.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** One replica's watch: its own coordination unless given, the shared store. */
function replica(clock: { t: number }, sent: AlertNotification[], coordination: Coordination = new MemoryCoordination()) {
  const deps: HealthWatchDeps = {
    health: app.ports.health,
    coordination,
    logger: silentLogger,
    redactor: app.ports.redactor,
    store: new SqlHealthWatchRepository(app.db),
    ingest: (n) => {
      sent.push(n);
      return ingestNotification(app.ports, app.loaded.config, n);
    },
  };
  return new HealthWatch(app.loaded.config, deps, { now: () => new Date(clock.t), intervalMs: INTERVAL_MS });
}

const watchGroup = async () => (await app.ports.alerts.firing()).find((g) => g.groupKey === 'watch:api') ?? null;

describe('health watch', () => {
  it('raises HealthCheckFailing after 3 failures in a row, counted across replicas, and resolves it on recovery', async () => {
    const clock = { t: T0 };
    const sent: AlertNotification[] = [];
    // Two replicas take turns watching: the count is in the store, not in either of them.
    const [a, b] = [replica(clock, sent), replica(clock, sent)];
    const interval = async (w: HealthWatch) => {
      const r = await w.tick();
      clock.t += INTERVAL_MS;
      return r;
    };

    await interval(a);
    failing = true;
    const firstFailure = new Date(clock.t);
    await interval(b);
    await interval(a);
    expect(await watchGroup()).toBeNull();
    expect(sent).toEqual([]);

    expect((await interval(b)).raised).toEqual(['api']);
    const group = await watchGroup();
    expect(group).toMatchObject({
      source: 'watch',
      status: 'firing',
      alertname: 'HealthCheckFailing',
      service: 'api',
      severity: 'critical',
      firstFiredAt: firstFailure,
      commonLabels: { alertname: 'HealthCheckFailing', check: 'api', service: 'api', severity: 'critical' },
      commonAnnotations: {
        summary: `api health check failing: HTTP 503 Service Unavailable (expected 200) (${url})`,
        description: "3 consecutive failures since 14:00 UTC (checked every 10 s by Firebreak's health watch).",
      },
    });
    const [alert] = await app.ports.alerts.alerts(group!.id);
    expect(alert).toMatchObject({ fingerprint: 'watch:api', status: 'firing', startsAt: firstFailure });

    // Still failing: nothing new is sent, the one alert stays as it is.
    await interval(a);
    await interval(b);
    expect(sent.map((n) => n.status)).toEqual(['firing']);

    failing = false;
    expect((await interval(a)).resolved).toEqual(['api']);
    expect(await watchGroup()).toBeNull();
    const resolved = await app.ports.alerts.get(group!.id);
    expect(resolved).toMatchObject({ status: 'resolved', firstFiredAt: firstFailure });
    expect(sent.map((n) => [n.status, n.alerts[0]!.startsAt.toISOString()])).toEqual([
      ['firing', firstFailure.toISOString()],
      ['resolved', firstFailure.toISOString()],
    ]);
    expect((await app.ports.timeline.list({ invocationId: `alert-group:${group!.id}` })).map((e) => e.kind)).toEqual(['alert.received', 'alert.resolved']);

    // Passing on: nothing more to say.
    await interval(b);
    expect(sent).toHaveLength(2);
  });

  it('one replica probes per interval; with no coordination answer both probe, and the store still counts the interval once', async () => {
    const clock = { t: T0 + 3600_000 };
    const sent: AlertNotification[] = [];
    const shared = new MemoryCoordination();
    const [a, b] = [replica(clock, sent, shared), replica(clock, sent, shared)];
    failing = true;
    hits = 0;
    const outcomes = await Promise.all([a.tick(), b.tick()]);
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['not-elected', 'ran']);
    expect(hits).toBe(1);

    // Redis down: each replica's claim fails, so both probe the next interval.
    const down = { kind: 'redis' as const, claimOnce: () => Promise.reject(new Error('Redis at 127.0.0.1:6390 is unreachable: connect ECONNREFUSED')), hold: async () => {}, takeHeld: async () => null, ping: async () => {}, close: async () => {} };
    clock.t += INTERVAL_MS;
    const [c, d] = [replica(clock, sent, down), replica(clock, sent, down)];
    hits = 0;
    await Promise.all([c.tick(), d.tick()]);
    expect(hits).toBe(2);
    // Two intervals counted, not three: failure_threshold (3) is not reached.
    clock.t += INTERVAL_MS;
    expect(sent).toEqual([]);
    expect((await c.tick()).raised).toEqual(['api']);
    expect(sent).toHaveLength(1);
    failing = false;
    clock.t += INTERVAL_MS;
    expect((await d.tick()).resolved).toEqual(['api']);
  });

  it('is off with alerts.watch.enabled: false, and with no checks to run', async () => {
    const off = configFrom(`
services:
  api: { health: { type: http, url: "${url}" } }
alerts: { watch: { enabled: false } }
`).config;
    const none = configFrom('services: {}\n').config;
    for (const config of [off, none]) {
      const w = new HealthWatch(config, { health: app.ports.health, coordination: app.coordination, logger: silentLogger, redactor: app.ports.redactor, store: new SqlHealthWatchRepository(app.db), ingest: async () => {} });
      expect(w.start()).toBe(false);
      await w.stop();
    }
    const on = new HealthWatch(app.loaded.config, { health: app.ports.health, coordination: app.coordination, logger: silentLogger, redactor: app.ports.redactor, store: new SqlHealthWatchRepository(app.db), ingest: async () => {} });
    expect(on.start()).toBe(true);
    await on.stop();
  });

  it('a warning (a certificate expiring soon) is not a failure: no alert however long it lasts', async () => {
    const config = configFrom('datastores:\n  cert: { type: tls, host: api.example.com }\nalerts:\n  watch: { interval_s: 10, failure_threshold: 3 }\n').config;
    const sent: AlertNotification[] = [];
    // The prober's answer for a certificate 3 days from expiry (src/integrations/health/tls-probe.ts).
    const health = { probe: async () => ({ ok: true, warning: true, latencyMs: 3, target: 'api.example.com:443', detail: 'certificate for api.example.com expires in 3 days (2026-12-10)' }) };
    const clock = { t: T0 + 1000 * INTERVAL_MS };
    const w = new HealthWatch(config, { health, coordination: new MemoryCoordination(), logger: silentLogger, redactor: app.ports.redactor, store: new SqlHealthWatchRepository(app.db), ingest: async (n) => void sent.push(n) }, { now: () => new Date(clock.t), intervalMs: INTERVAL_MS });
    for (let i = 0; i < 5; i++) {
      expect((await w.tick()).raised).toEqual([]);
      clock.t += INTERVAL_MS;
    }
    expect(sent.filter((n) => n.alerts.some((a) => a.labels.check === 'cert'))).toEqual([]);
    expect((await new SqlHealthWatchRepository(app.db).list()).find((c) => c.check === 'cert')).toMatchObject({ failures: 0, raised: false });
  });
  it('a raised check removed from the config is resolved as removed, never said to pass again', async () => {
    const withGone = configFrom('datastores:\n  gone: { type: tcp, host: 127.0.0.2, port: 9 }\nalerts:\n  watch: { interval_s: 10, failure_threshold: 3 }\n').config;
    const without = configFrom('datastores:\n  kept: { type: tcp, host: 127.0.0.1, port: 9 }\nalerts:\n  watch: { interval_s: 10, failure_threshold: 3 }\n').config;
    const sent: AlertNotification[] = [];
    const said: string[] = [];
    const logger = { ...silentLogger, info: (_o: object, msg?: string) => void said.push(msg ?? '') };
    const health = { probe: async (check: { host?: string }) => (check.host === '127.0.0.2' ? { ok: false, latencyMs: 1, target: '127.0.0.1:9', detail: 'connection refused' } : { ok: true, latencyMs: 1, target: '127.0.0.1:9', detail: 'ok' }) };
    const clock = { t: T0 + 5000 * INTERVAL_MS };
    const deps = (): HealthWatchDeps => ({ health: health as unknown as HealthWatchDeps['health'], coordination: new MemoryCoordination(), logger, redactor: app.ports.redactor, store: new SqlHealthWatchRepository(app.db), ingest: async (n) => void sent.push(n) });
    const before = new HealthWatch(withGone, deps(), { now: () => new Date(clock.t), intervalMs: INTERVAL_MS });
    for (let i = 0; i < 3; i++, clock.t += INTERVAL_MS) await before.tick();
    expect(sent.at(-1)).toMatchObject({ status: 'firing', groupLabels: { check: 'gone' } });
    const after = new HealthWatch(without, deps(), { now: () => new Date(clock.t), intervalMs: INTERVAL_MS });
    expect((await after.tick()).resolved).toEqual(['gone']);
    const resolved = sent.at(-1)!;
    expect(resolved).toMatchObject({ status: 'resolved', commonAnnotations: { summary: 'gone is no longer checked: it was removed from the configuration' } });
    expect(resolved.commonAnnotations.description).toContain('was removed from the configuration');
    expect(said.filter((m) => m.includes('gone'))).toEqual(['health watch: gone was removed from the configuration; resolved its HealthCheckFailing alert']);
  });
});
