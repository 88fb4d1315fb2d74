import { describe, expect, it } from 'vitest';
import type { AlertNotification, IncomingAlert } from '../../src/alerts/model.js';
import { Redactor } from '../../src/core/redact.js';
import { TimelineRecorder } from '../../src/core/timeline.js';
import { SqlAlertStore } from '../../src/store/alert-repository.js';
import { SqlTimelineRepository } from '../../src/store/timeline-repository.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * A notification's alerts are written in one statement (src/store/alert-repository.ts). What a
 * notification carries is stored as before, on both stores: each alert once, the same alert twice
 * in one notification as one alert seen twice (its last state), an unknown start never moving the
 * start first stored, and a storm-sized notification whole, with one timeline row and one card mark.
 */

const T0 = new Date('2026-12-07T10:00:00.000Z');

function alert(fingerprint: string, over: Partial<IncomingAlert> = {}): IncomingAlert {
  return {
    fingerprint,
    status: 'firing',
    labels: { alertname: 'DiskFilling', service: 'api', instance: `${fingerprint}:9100` },
    annotations: { summary: `disk on ${fingerprint}` },
    startsAt: T0,
    endsAt: null,
    generatorUrl: 'http://prometheus:9090/graph',
    ...over,
  };
}

function notification(alerts: IncomingAlert[], status: 'firing' | 'resolved' = 'firing', groupKey = '{}:{alertname="DiskFilling", service="api"}'): AlertNotification {
  return {
    source: 'alertmanager',
    groupKey,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: 'DiskFilling', service: 'api' },
    commonLabels: { alertname: 'DiskFilling', service: 'api' },
    commonAnnotations: {},
    externalUrl: 'http://am-0:9093',
    alerts,
  };
}

const ROUTING = { channel: 'incidents', route: null, severity: 'warning' };

for (const backend of storeBackends('fb_alertbatch')) {
  describe(`a notification's alerts stored in one statement, on ${backend.name}`, () => {
    it('the same alert twice in one notification is stored once, with its last state, seen twice; the next notification counts on', async () => {
      const { db, close } = await backend.open();
      try {
        const store = new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, new Redactor([])));
        const first = await store.ingest(
          notification([alert('a', { annotations: { summary: 'disk 91%' } }), alert('b'), alert('a', { annotations: { summary: 'disk 99%' }, generatorUrl: 'http://prometheus-1:9090/graph' })]),
          ROUTING,
          ['console'],
        );
        expect(first).toMatchObject({ stored: true, transition: 'opened', group: { firingCount: 2, resolvedCount: 0 } });
        const stored = await store.alerts(first.group.id);
        expect(stored.map((a) => [a.fingerprint, a.annotations.summary, a.generatorUrl, a.seen])).toEqual([
          ['a', 'disk 99%', 'http://prometheus-1:9090/graph', 2],
          ['b', 'disk on b', 'http://prometheus:9090/graph', 1],
        ]);

        const resolvedAt = new Date('2026-12-07T10:20:00.000Z');
        const second = await store.ingest(notification([alert('a', { status: 'resolved', endsAt: resolvedAt }), alert('b', { status: 'resolved', endsAt: resolvedAt })], 'resolved'), ROUTING, ['console']);
        expect(second).toMatchObject({ stored: true, transition: 'resolved', group: { id: first.group.id, status: 'resolved', firingCount: 0, resolvedCount: 2 } });
        expect((await store.alerts(first.group.id)).map((a) => [a.fingerprint, a.status, a.endsAt, a.seen])).toEqual([
          ['a', 'resolved', resolvedAt, 3],
          ['b', 'resolved', resolvedAt, 2],
        ]);
      } finally {
        await close();
      }
    }, 120_000);

    it('an unknown start keeps the start first stored; a known start in a later occurrence of the same notification wins', async () => {
      const { db, close } = await backend.open();
      try {
        const store = new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, new Redactor([])));
        const receivedAt = new Date('2026-12-07T10:05:00.000Z');
        const known = new Date('2026-12-07T09:58:00.000Z');
        const first = await store.ingest(
          notification([alert('u', { startsAt: receivedAt, startsAtUnknown: true }), alert('k', { startsAt: receivedAt, startsAtUnknown: true }), alert('k', { startsAt: known })]),
          ROUTING,
          ['console'],
        );
        const starts = async () => Object.fromEntries((await store.alerts(first.group.id)).map((a) => [a.fingerprint, a.startsAt.toISOString()]));
        expect(await starts()).toEqual({ u: receivedAt.toISOString(), k: known.toISOString() });
        // Sent again later, still without a real start (and with new text, so it is not a repeat): the starts stay.
        const later = new Date('2026-12-07T10:30:00.000Z');
        const again = await store.ingest(
          notification([alert('u', { startsAt: later, startsAtUnknown: true, annotations: { summary: 'still' } }), alert('k', { startsAt: later, startsAtUnknown: true, annotations: { summary: 'still' } })]),
          ROUTING,
          ['console'],
        );
        expect(again.stored).toBe(true);
        expect(await starts()).toEqual({ u: receivedAt.toISOString(), k: known.toISOString() });
      } finally {
        await close();
      }
    }, 120_000);

    it('a storm-sized notification (500 alerts) is stored whole, with one timeline row and one card mark per platform; its retry changes nothing', async () => {
      const { db, close } = await backend.open();
      try {
        const store = new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, new Redactor([])));
        const n = notification(Array.from({ length: 500 }, (_, i) => alert(`fp-${String(i).padStart(3, '0')}`)));
        const first = await store.ingest(n, ROUTING, ['console', 'slack']);
        const retry = await store.ingest(n, ROUTING, ['console', 'slack']);
        expect([first.stored, retry.stored]).toEqual([true, false]);
        expect(retry.group).toMatchObject({ id: first.group.id, firingCount: 500, version: 1 });
        expect(await db.query('SELECT count(*)::int AS n, sum(seen)::int AS seen FROM alerts')).toEqual([{ n: 500, seen: 500 }]);
        expect(await db.query('SELECT message_key, platform, version FROM outbox ORDER BY platform')).toEqual([
          { message_key: `alert-group:${first.group.id}`, platform: 'console', version: 1 },
          { message_key: `alert-group:${first.group.id}`, platform: 'slack', version: 1 },
        ]);
        const events = await new SqlTimelineRepository(db).list({ invocationId: `alert-group:${first.group.id}` });
        expect(events.map((e) => [e.kind, e.detail.alerts])).toEqual([['alert.received', 500]]);
      } finally {
        await close();
      }
    }, 120_000);

    it('groups arriving at once, each twice (HA twins), get consecutive numbers from 1: no gap, no number used twice', async () => {
      const { db, close } = await backend.open();
      try {
        const store = new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, new Redactor([])));
        const keys = Array.from({ length: 12 }, (_, i) => `{}:{alertname="DiskFilling", service="svc-${i}"}`);
        const results = await Promise.all([...keys, ...keys].map((k) => store.ingest(notification([alert('a')], 'firing', k), ROUTING, ['console'])));
        expect(results.filter((r) => r.stored)).toHaveLength(12);
        const ids = [...new Set(results.map((r) => Number(r.group.id)))].sort((a, b) => a - b);
        expect(ids).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
        expect(await db.query(`SELECT n::int AS n FROM counters WHERE name = 'alert_groups'`)).toEqual([{ n: 12 }]);
      } finally {
        await close();
      }
    }, 120_000);

    it("says whether an incident about the group's service was open as it stored the group, so the incidents look for one to join only then", async () => {
      const { db, close } = await backend.open();
      try {
        const store = new SqlAlertStore(db, (repo) => new TimelineRecorder(repo, new Redactor([])));
        const fire = (service: string, fp: string) =>
          store.ingest({ ...notification([alert(fp, { labels: { alertname: 'DiskFilling', service } })], 'firing', `{}:{service="${service}"}`), groupLabels: { alertname: 'DiskFilling', service }, commonLabels: { alertname: 'DiskFilling', service } }, ROUTING, ['console']);
        expect((await fire('api', 'a1')).serviceIncidentOpen).toBe(false);
        await db.query(
          `INSERT INTO incidents (id, number, title, severity, status, declared_by, source, service) VALUES ('INC-1', 1, 'api down', 'sev2', 'investigating', '{"platform":"console","id":"alice","name":"alice"}', 'test', 'api')`,
        );
        expect((await fire('api', 'a2')).serviceIncidentOpen).toBe(true);
        expect((await fire('search', 's1')).serviceIncidentOpen).toBe(false);
        await db.query(`UPDATE incidents SET status = 'resolved' WHERE id = 'INC-1'`);
        expect((await fire('api', 'a3')).serviceIncidentOpen).toBe(false);
      } finally {
        await close();
      }
    }, 120_000);
  });
}
