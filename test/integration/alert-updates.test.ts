import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import { registerAlertWebhooks } from '../../src/http/alert-webhooks.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { silentLogger, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import { storeBackends } from '../support/store-backends.js';

/**
 * A repeat notification that says something new (a summary "disk 99%" after "disk 91%", Grafana's
 * evaluated values) is an update of the card, not a duplicate; the same notification delivered again
 * (a retry, an HA twin) still changes nothing. Through the webhook, the store and the outbox worker
 * to the console platform, on PGlite and PostgreSQL.
 */
const TOKEN = 'a-long-alerts-token-1234';
const CONFIG = `
chat: { incidents_channel: incidents }
alerts: { token: ${TOKEN}, cards_per_minute: 600 }
`;
const KNOBS = { pollMs: 40, claimMs: 1500, laneLeaseMs: 1500 };

type Json = Record<string, unknown>;
const backends = storeBackends('fb_updates');

/** Alertmanager's body for one disk alert with this summary (Alertmanager copies it into commonAnnotations). */
function diskFull(groupKey: string, summary: string, opts: { status?: 'firing' | 'resolved'; externalURL?: string } = {}): Json {
  const status = opts.status ?? 'firing';
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: 'firebreak',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: { alertname: 'DiskFull', instance: 'db-1' },
    commonAnnotations: { summary },
    externalURL: opts.externalURL ?? 'http://am-0:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'DiskFull', instance: 'db-1' },
        annotations: { summary },
        startsAt: '2026-12-01T08:00:00Z',
        endsAt: status === 'resolved' ? '2026-12-01T08:30:00Z' : '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus-0:9090/graph',
        fingerprint: 'disk-db-1',
      },
    ],
  };
}

/** Grafana's body for two memory alerts with their evaluated values. */
function highMemory(groupKey: string, values: [number, number]): Json {
  return {
    version: '1',
    orgId: 1,
    groupKey,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'HighMemory' },
    commonLabels: { alertname: 'HighMemory', service: 'api' },
    commonAnnotations: { summary: 'memory above 90%' },
    externalURL: 'http://grafana:3000/',
    alerts: values.map((v, i) => ({
      status: 'firing',
      labels: { alertname: 'HighMemory', service: 'api', pod: `api-${i}` },
      annotations: { summary: 'memory above 90%' },
      startsAt: '2026-12-01T08:05:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://grafana:3000/alerting/grafana/abc/view',
      fingerprint: `mem-${i}`,
      silenceURL: '',
      dashboardURL: 'http://grafana:3000/d/xyz',
      panelURL: '',
      values: { B: v },
      valueString: `[ var='B' value=${v} ]`,
    })),
  };
}

for (const backend of backends) {
  describe(`alert updates on ${backend.name}: new content updates the card, a redelivery does not`, () => {
    let store: { db: Db; close(): Promise<void> };
    let app: Awaited<ReturnType<typeof testApp>>;
    let server: RunningServer;
    let worker: OutboxWorker;

    beforeAll(async () => {
      store = await backend.open();
      app = await testApp(CONFIG, { db: store.db });
      const router = new Router();
      worker = buildAlertOutboxWorker(app, KNOBS);
      registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics, onStored: () => worker.poke() });
      server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
      worker.start();
    });
    afterAll(async () => {
      await worker?.stop();
      await server?.close();
      await app?.close();
      await store?.close();
    });

    const post = async (path: string, body: Json) => {
      const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { stored?: boolean; group?: string } };
    };
    /** The group's card as the console shows it, once it shows `text`; and every message posted for it. */
    const cardShowing = async (groupId: string, text: string) =>
      waitFor(
        async () => {
          const ref = await app.ports.messageRefs.get(`alert-group:${groupId}`, 'console');
          if (!ref?.ref) return null;
          const message = await app.consoleMessages.message(Number(ref.ref.messageId));
          return message && JSON.stringify(message.reply).includes(text) ? message : null;
        },
        20_000,
        `the card of group ${groupId} to show "${text}"`,
      );
    const cardsPosted = async (title: string) => {
      const channel = await app.consoleMessages.ensureChannel('incidents');
      const rows = await app.db.query<{ n: number }>(`SELECT count(*)::integer AS n FROM console_messages WHERE channel_id = $1 AND reply->>'title' LIKE $2`, [channel.id, `%${title}%`]);
      return rows[0]!.n;
    };
    const timelineOf = async (groupId: string) => (await app.ports.timeline.list({ invocationId: `alert-group:${groupId}` })).map((e) => e.kind);
    const settled = async (groupId: string) => waitFor(async () => (await app.db.query('SELECT 1 FROM outbox WHERE message_key = $1', [`alert-group:${groupId}`])).length === 0, 20_000, 'the outbox to be worked off');

    it('Alertmanager: "disk 99%" after "disk 91%" updates the same card; the same 99% again (retry, HA twin) changes nothing', async () => {
      const key = `{}:{alertname="DiskFull"}:${backend.name}`;
      const first = await post('/webhooks/alertmanager', diskFull(key, 'disk 91%'));
      expect(first).toMatchObject({ status: 200, body: { stored: true } });
      const group = first.body.group!;
      const posted = await cardShowing(group, 'disk 91%');

      const update = await post('/webhooks/alertmanager', diskFull(key, 'disk 99%'));
      expect(update).toMatchObject({ status: 200, body: { stored: true, group } });
      const updated = await cardShowing(group, 'disk 99%');
      expect(updated.id).toBe(posted.id);
      expect(JSON.stringify(updated.reply)).not.toContain('disk 91%');
      expect((await app.ports.alerts.alerts(group))[0]!.annotations).toEqual({ summary: 'disk 99%' });
      await settled(group);
      const version = (await app.ports.alerts.get(group))!.version;
      const lastChange = updated.version;

      // A retry and the HA twin (its own externalURL and generatorURL) are the same notification.
      const twin = diskFull(key, 'disk 99%', { externalURL: 'http://am-1:9093' });
      ((twin.alerts as Json[])[0]!).generatorURL = 'http://prometheus-1:9090/graph';
      for (const body of [diskFull(key, 'disk 99%'), twin]) {
        expect(await post('/webhooks/alertmanager', body)).toMatchObject({ status: 200, body: { stored: false, group } });
      }
      expect((await app.ports.alerts.get(group))!.version).toBe(version);
      expect(await app.db.query('SELECT 1 FROM outbox WHERE message_key = $1', [`alert-group:${group}`])).toEqual([]);
      expect((await app.consoleMessages.message(posted.id))!.version).toBe(lastChange);
      expect(await timelineOf(group)).toEqual(['alert.received', 'alert.received']);

      // Back to 91%: content seen before, but not what the card shows now, so it is an update too.
      expect(await post('/webhooks/alertmanager', diskFull(key, 'disk 91%'))).toMatchObject({ status: 200, body: { stored: true } });
      await cardShowing(group, 'disk 91%');
      expect(await cardsPosted('DiskFull')).toBe(1);
      expect(await timelineOf(group)).toEqual(['alert.received', 'alert.received', 'alert.received']);
    });

    it('a late HA twin of an earlier state stays a repeat: a resolved group is not fired again by it', async () => {
      const key = `{}:{alertname="DiskFull"}:late-${backend.name}`;
      const firing = diskFull(key, 'disk 95%');
      const { body } = await post('/webhooks/alertmanager', firing);
      expect((await post('/webhooks/alertmanager', diskFull(key, 'disk 95%', { status: 'resolved' }))).body.stored).toBe(true);
      const late = await post('/webhooks/alertmanager', { ...firing, externalURL: 'http://am-1:9093' });
      expect(late.body).toMatchObject({ stored: false, group: body.group });
      expect((await app.ports.alerts.get(body.group!))!.status).toBe('resolved');
      expect(await timelineOf(body.group!)).toEqual(['alert.received', 'alert.resolved']);
    });

    it("Grafana: new values update the card; the same values again change nothing", async () => {
      const key = `{}/{alertname="HighMemory"}:${backend.name}`;
      const first = await post('/webhooks/grafana', highMemory(key, [91.2, 93.4]));
      expect(first).toMatchObject({ status: 200, body: { stored: true } });
      const group = first.body.group!;
      const posted = await cardShowing(group, 'B=93.4');

      expect(await post('/webhooks/grafana', highMemory(key, [91.2, 99.1]))).toMatchObject({ status: 200, body: { stored: true, group } });
      const updated = await cardShowing(group, 'B=99.1');
      expect(updated.id).toBe(posted.id);
      await settled(group);
      const version = (await app.ports.alerts.get(group))!.version;

      expect(await post('/webhooks/grafana', highMemory(key, [91.2, 99.1]))).toMatchObject({ status: 200, body: { stored: false, group } });
      expect((await app.ports.alerts.get(group))!.version).toBe(version);
      expect(await timelineOf(group)).toEqual(['alert.received', 'alert.received']);
      expect(await cardsPosted('HighMemory')).toBe(1);
    });
  });
}
