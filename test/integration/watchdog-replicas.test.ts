import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { AlertNotification } from '../../src/alerts/model.js';
import { interceptWatchdog, WatchdogWatch, type WatchdogDeps } from '../../src/alerts/watchdog.js';
import { SqlWatchdogRepository } from '../../src/store/watchdog-repository.js';
import { silentLogger, testApp } from '../support/app.js';

/**
 * Two replicas on one store (PGlite), each with its own WatchdogWatch and webhook interception,
 * with injected clocks: the silent alert is raised once however many replicas notice, and resolved
 * once however many receive the returning Watchdog.
 */
const T0 = new Date('2026-12-07T02:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

const watchdog = (status: 'firing' | 'resolved'): AlertNotification => ({
  source: 'alertmanager',
  groupKey: '{}:{alertname="Watchdog"}',
  status,
  receiver: 'firebreak',
  groupLabels: { alertname: 'Watchdog' },
  commonLabels: { alertname: 'Watchdog', severity: 'none' },
  commonAnnotations: {},
  externalUrl: 'http://alertmanager-0:9093',
  alerts: [{ fingerprint: 'wd', status, labels: { alertname: 'Watchdog', severity: 'none' }, annotations: {}, startsAt: T0, endsAt: null, generatorUrl: null }],
});

describe('alerts.watchdog across replicas', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let deps: WatchdogDeps;

  beforeAll(async () => {
    app = await testApp('alerts:\n  watch: { enabled: false }\n  watchdog: { expect_every_s: 60 }\n');
    deps = { store: new SqlWatchdogRepository(app.db), logger: silentLogger, redactor: app.ports.redactor, ingest: (n) => ingestNotification(app.ports, app.loaded.config, n) };
  }, 120_000);
  afterAll(() => app?.close());

  const silentGroups = async () => app.db.query<{ id: string; status: string }>("SELECT id, status FROM alert_groups WHERE alertname = 'AlertingPipelineSilent'");

  it('raises once when two replicas notice, and resolves once when two replicas receive the Watchdog again', async () => {
    let now = T0;
    const replicas = [new WatchdogWatch(app.loaded.config, deps, { now: () => now }), new WatchdogWatch(app.loaded.config, deps, { now: () => now })];
    // The Watchdog arrives (an HA pair delivers it to both replicas): swallowed, no group.
    for (const _ of replicas) expect(await interceptWatchdog(app.loaded.config, deps, watchdog('firing'), at(0))).toBeNull();
    expect((await app.db.query('SELECT id FROM alert_groups')).length).toBe(0);

    now = at(119);
    expect(await Promise.all(replicas.map((r) => r.tick()))).toEqual(['arriving', 'arriving']);
    // A resolved Watchdog (Alertmanager timing it out) is swallowed but is no sign of life.
    expect(await interceptWatchdog(app.loaded.config, deps, watchdog('resolved'), at(100))).toBeNull();
    now = at(120);
    // Both notice at once: one raises; the other finds it claimed (or already raised, if it looked after).
    const ticks = await Promise.all(replicas.map((r) => r.tick()));
    expect(ticks.filter((t) => t === 'raised')).toHaveLength(1);
    expect(ticks.filter((t) => t !== 'raised')).toEqual([expect.stringMatching(/^(claimed-elsewhere|already-raised)$/)]);
    expect((await Promise.all(replicas.map((r) => r.tick())))).toEqual(['already-raised', 'already-raised']);
    const [group] = await silentGroups();
    expect(group).toMatchObject({ status: 'firing' });
    expect(await silentGroups()).toHaveLength(1);
    const card = (await app.ports.alerts.get(group!.id))!;
    expect(card.commonAnnotations.summary).toBe('Alerting pipeline silent since 02:00 UTC');

    // It comes back, delivered to both replicas at once.
    await Promise.all([interceptWatchdog(app.loaded.config, deps, watchdog('firing'), at(130)), interceptWatchdog(app.loaded.config, deps, watchdog('firing'), at(130))]);
    expect(await silentGroups()).toEqual([{ id: group!.id, status: 'resolved' }]);
    const events = await app.ports.timeline.list({ invocationId: `alert-group:${group!.id}` });
    expect(events.map((e) => e.kind)).toEqual(['alert.received', 'alert.resolved']);
  });
});
