import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentCard } from '../../src/alerts/current-card.js';
import type { StoredAlert } from '../../src/alerts/model.js';
import { registerAlertWebhooks } from '../../src/http/alert-webhooks.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { silentLogger, testApp } from '../support/app.js';
import { createTestDatabase, PG_ADMIN_URL } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { storeBackends } from '../support/store-backends.js';
import { borrowStore } from '../support/store-pool.js';

/**
 * Payloads whose trouble is their own content (a NUL, a lone surrogate, a key too long to index, a
 * start in year −10000). Answered 5xx, Alertmanager would retry the whole group, healthy alerts
 * included, forever. Each is either stored cleaned (2xx, and stored as a person would expect) or
 * refused with 400 naming the field; the healthy alert sent beside it is stored either way it can be.
 */
const TOKEN = 'a-long-alerts-token-1234';
const CONFIG = `
alerts:
  token: ${TOKEN}
`;

type Json = Record<string, unknown>;
const backends = storeBackends('fb_poison');

let seq = 0;
/** Text that does not compress (PostgreSQL compresses index entries, so a repeated pattern would fit). */
const noise = (chars: number) =>
  Array.from({ length: Math.ceil(chars / 64) }, (_, i) => createHash('sha256').update(`noise-${i}`).digest('hex'))
    .join('')
    .slice(0, chars);
/** An alert that is fine, sent in every payload beside the poisoned one. */
const healthy = (): Json => ({
  status: 'firing',
  labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' },
  annotations: { summary: 'disk 91%' },
  startsAt: '2026-12-01T08:00:00.000Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus:9090/graph',
  fingerprint: 'healthy-sibling',
});

/** An Alertmanager body: the poisoned alert (a healthy one changed by `poison`), then the healthy sibling. */
function amBody(poison: (a: Json) => void, envelope: Json = {}): Json {
  const bad = { ...healthy(), labels: { alertname: 'DiskFull', instance: 'db-2', severity: 'warning' }, fingerprint: 'poisoned' };
  poison(bad);
  return {
    version: '4',
    groupKey: `{}:{alertname="DiskFull"}:${++seq}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'firebreak',
    groupLabels: { alertname: 'DiskFull' },
    commonLabels: { alertname: 'DiskFull', severity: 'warning' },
    commonAnnotations: {},
    externalURL: 'http://am-0:9093',
    alerts: [bad, healthy()],
    ...envelope,
  };
}

async function post(server: RunningServer, path: string, body: unknown) {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: { status?: string; stored?: boolean; group?: string; error?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    parsed = { error: text };
  }
  return { status: res.status, body: parsed };
}

for (const backend of backends) {
  describe(`poisoned alert payloads on ${backend.name}`, () => {
    let store: { db: Db; close(): Promise<void> };
    let app: Awaited<ReturnType<typeof testApp>>;
    let server: RunningServer;

    beforeAll(async () => {
      store = await backend.open();
      app = await testApp(CONFIG, { db: store.db });
      const router = new Router();
      registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
      server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    });
    afterAll(async () => {
      await server?.close();
      await app?.close();
      await store?.close();
    });

    /** Posts the body; expects it stored; returns its group, its alerts by fingerprint, and its card's text. */
    async function stored(body: Json, path = '/webhooks/alertmanager') {
      const r = await post(server, path, body);
      expect(r, JSON.stringify(r.body)).toMatchObject({ status: 200, body: { status: 'ok', stored: true } });
      const group = (await app.ports.alerts.get(r.body.group!))!;
      const alerts = new Map((await app.ports.alerts.alerts(group.id)).map((a) => [a.fingerprint, a]));
      const card = (await currentCard(app.ports.alerts, app.loaded.config, group.id, new Date()))!.reply;
      return { group, alerts, card: JSON.stringify(card), response: r };
    }
    const expectHealthySibling = (alerts: Map<string, StoredAlert>) =>
      expect(alerts.get('healthy-sibling')).toMatchObject({ status: 'firing', labels: { alertname: 'DiskFull', instance: 'db-1', severity: 'warning' }, annotations: { summary: 'disk 91%' } });

    it('a label whose text is a literal \\u0000 (backslash, u, four zeros) is ordinary text and stored as sent', async () => {
      const { alerts, card } = await stored(
        amBody((a) => {
          a.labels = { ...(a.labels as Json), path: 'C:\\u0000\\dir', quote: 'say "\\u0000"' };
          a.annotations = { summary: 'literal \\u0000 in "quotes"' };
        }),
      );
      expect(alerts.get('poisoned')).toMatchObject({ labels: { path: 'C:\\u0000\\dir', quote: 'say "\\u0000"' }, annotations: { summary: 'literal \\u0000 in "quotes"' } });
      expectHealthySibling(alerts);
      expect(JSON.parse(card)).toBeTruthy();
    });

    it('a NUL in the alert name, a label key, the fingerprint, the group key and a URL is removed', async () => {
      const { group, alerts } = await stored(
        amBody(
          (a) => {
            a.labels = { alertname: 'Disk\u0000Full', 'inst\u0000ance': 'db-2\u0000' };
            a.fingerprint = 'poi\u0000soned';
            a.generatorURL = 'http://prometheus:9090/\u0000graph';
          },
          { groupKey: '{}:{alertname="Disk\u0000Full"}:nul', groupLabels: { alertname: 'Disk\u0000Full' }, commonLabels: {} },
        ),
      );
      expect(group).toMatchObject({ alertname: 'DiskFull', groupKey: '{}:{alertname="DiskFull"}:nul' });
      expect(alerts.get('poisoned')).toMatchObject({ labels: { alertname: 'DiskFull', instance: 'db-2' }, generatorUrl: 'http://prometheus:9090/graph' });
      expectHealthySibling(alerts);
    });

    it('lone UTF-16 surrogates become U+FFFD; a proper pair (an emoji) is kept', async () => {
      const { alerts, card } = await stored(
        amBody((a) => {
          a.labels = { ...(a.labels as Json), mount: '/data\uD800' };
          a.annotations = { summary: 'disk \uDC00 full 🔥' };
        }),
      );
      expect(alerts.get('poisoned')).toMatchObject({ labels: { mount: '/data\uFFFD' }, annotations: { summary: 'disk \uFFFD full 🔥' } });
      expectHealthySibling(alerts);
      expect(card).not.toMatch(/\\ud[89a-f]/i);
    });

    it('a group key over 2.7 KB is stored under a readable prefix and its hash: the same key finds the same group, another long key another group', async () => {
      const long = `{}/{team="storage"}:{alertname="DiskFull", instances="${noise(3000)}"}`;
      const first = await stored(amBody(() => {}, { groupKey: long }));
      expect(first.group.groupKey).toMatch(/^\{\}\/\{team="storage"\}:\{alertname="DiskFull".*…sha256:[0-9a-f]{64}$/);
      expect(first.group.groupKey.length).toBeLessThan(300);
      expectHealthySibling(first.alerts);
      const again = amBody(() => {}, { groupKey: long });
      expect(await post(server, '/webhooks/alertmanager', again)).toMatchObject({ status: 200, body: { stored: false, group: first.group.id } });
      const other = await stored(amBody(() => {}, { groupKey: `${long}x` }));
      expect(other.group.id).not.toBe(first.group.id);
    });

    it('a fingerprint over 2.7 KB is stored hashed, and the same alert again updates that alert', async () => {
      const fp = `fp-${noise(4000)}`;
      const body = amBody((a) => (a.fingerprint = fp));
      const { group, alerts } = await stored(body);
      const poisoned = [...alerts.values()].find((a) => a.fingerprint !== 'healthy-sibling')!;
      expect(poisoned.fingerprint).toMatch(new RegExp(`^fp-${noise(197)}…sha256:[0-9a-f]{64}$`));
      expectHealthySibling(alerts);
      const resolved = { ...body, status: 'resolved', alerts: (body.alerts as Json[]).map((a) => ({ ...a, status: 'resolved', endsAt: '2026-12-01T09:00:00Z' })) };
      const after = await stored(resolved);
      expect(after.group.id).toBe(group.id);
      expect(after.group).toMatchObject({ firingCount: 0, resolvedCount: 2 });
    });

    it('a startsAt in year −10000 counts from when it was received; its redelivery is a repeat and keeps that start', async () => {
      const body = amBody((a) => (a.startsAt = '-010000-01-01T00:00:00Z'));
      const before = Date.now();
      const { group, alerts, card } = await stored(body);
      const start = alerts.get('poisoned')!.startsAt.getTime();
      expect(start).toBeGreaterThanOrEqual(before - 1000);
      expect(start).toBeLessThanOrEqual(Date.now() + 1000);
      expect(card).not.toContain('-010000');
      expectHealthySibling(alerts);
      expect(await post(server, '/webhooks/alertmanager', body)).toMatchObject({ status: 200, body: { stored: false, group: group.id } });
      // A later update of the same alert keeps the start first stored.
      const update = structuredClone(body);
      ((update.alerts as Json[])[0]!.annotations as Json).summary = 'disk 99%';
      const updated = await stored(update);
      expect(updated.alerts.get('poisoned')).toMatchObject({ annotations: { summary: 'disk 99%' }, startsAt: new Date(start) });
    });

    it('a startsAt in year 20000 is treated the same; an endsAt there is "not set"', async () => {
      const { alerts } = await stored(amBody((a) => Object.assign(a, { startsAt: '+020000-01-01T00:00:00Z' })));
      expect(alerts.get('poisoned')!.startsAt.getUTCFullYear()).toBeLessThan(3000);
      const resolved = await stored(amBody((a) => Object.assign(a, { status: 'resolved', endsAt: '+020000-01-01T00:00:00Z' })));
      expect(resolved.alerts.get('poisoned')).toMatchObject({ status: 'resolved', endsAt: null });
    });

    it('Grafana: a value JSON can only carry as Infinity (1e400) is left out; the other values and alerts are stored', async () => {
      const body = {
        ...amBody((a) => Object.assign(a, { values: { B: 1e400, C: 97.5 } })),
        version: '1',
        orgId: 1,
      };
      // JSON.stringify would write Infinity as null: write the number as Grafana's JSON would.
      const text = JSON.stringify(body).replace('"B":null', '"B":1e400');
      expect(text).toContain('1e400');
      const r = await post(server, '/webhooks/grafana', text);
      expect(r, JSON.stringify(r.body)).toMatchObject({ status: 200, body: { stored: true } });
      const alerts = new Map((await app.ports.alerts.alerts(r.body.group!)).map((a) => [a.fingerprint, a]));
      expect(alerts.get('poisoned')?.values).toEqual({ C: 97.5 });
      expectHealthySibling(alerts);
    });

    it('a group key or fingerprint that is nothing but NUL cannot be stored: 400 naming the field, nothing stored', async () => {
      const groups = async () => (await app.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM alert_groups'))[0]!.n;
      const count = await groups();
      expect(await post(server, '/webhooks/alertmanager', amBody(() => {}, { groupKey: '\u0000\u0000' }))).toEqual({
        status: 400,
        body: { error: 'groupKey: must not be empty (NUL characters are removed)' },
      });
      expect(await post(server, '/webhooks/alertmanager', amBody((a) => (a.fingerprint = '\u0000')))).toEqual({
        status: 400,
        body: { error: 'alerts.0.fingerprint: must not be empty (NUL characters are removed)' },
      });
      expect(await groups()).toBe(count);
    });

    it('should the store still refuse a value, the answer is 400 (a retry fails the same way), not 503', async () => {
      const router = new Router();
      const refusing = { ...app.ports, alerts: { ...app.ports.alerts, ingest: () => Promise.reject(Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' })) } };
      registerAlertWebhooks(router, { config: app.loaded.config, ports: refusing, logger: silentLogger, metrics: app.metrics });
      const s = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
      try {
        const r = await post(s, '/webhooks/alertmanager', amBody(() => {}));
        expect(r.status).toBe(400);
        expect(r.body.error).toMatch(/^Firebreak's database refused a value in this notification \(invalid byte sequence .*\); a retry of the same body fails the same way$/);
      } finally {
        await s.close();
      }
    });

    it('200 generated malformed bodies: none is answered 5xx while the store is up', async () => {
      const statuses = new Map<number, number>();
      const rand = mulberry32(backend.name.length * 7919);
      for (let i = 0; i < 200; i++) {
        const body = malformed(rand, i);
        const r = await post(server, i % 2 ? '/webhooks/alertmanager' : '/webhooks/grafana', body);
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        expect(r.status, `body ${i}: ${String(body).slice(0, 300)} → ${JSON.stringify(r.body)}`).toBeLessThan(500);
        if (r.status === 400) expect(r.body.error).toMatch(/\S/);
      }
      // The set exercises both answers: cleaned and stored, and refused.
      expect(statuses.get(200)).toBeGreaterThan(20);
      expect(statuses.get(400)).toBeGreaterThan(20);
      // And the store is still fine: a healthy notification is stored.
      await stored(amBody(() => {}));
    });
  });
}

describe('a real outage still answers 503, so the sender retries', { timeout: 90_000 }, () => {
  it('PGlite: the embedded store stopped', async () => {
    const db = await borrowStore();
    const app = await testApp(CONFIG, { db });
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
    const server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    try {
      expect((await post(server, '/webhooks/alertmanager', amBody(() => {}))).status).toBe(200);
      await db.close();
      expect(await post(server, '/webhooks/alertmanager', amBody(() => {}))).toEqual({ status: 503, body: { error: 'Firebreak could not store the alerts right now; retry' } });
    } finally {
      await server.close();
      await app.close();
    }
  });

  it('PostgreSQL: the database goes away and comes back; the retry is stored', async () => {
    const t = await createTestDatabase('fb_poison_down');
    const admin = new URL(PG_ADMIN_URL);
    const proxy = new TcpProxy(admin.hostname, Number(admin.port || 5432));
    await proxy.up();
    const url = new URL(t.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const db = await openPostgres(url.toString(), { max: 2 });
    await migrate(db);
    const app = await testApp(CONFIG, { db });
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
    const server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    try {
      const body = amBody(() => {});
      await proxy.down();
      expect(await post(server, '/webhooks/alertmanager', body)).toEqual({ status: 503, body: { error: 'Firebreak could not store the alerts right now; retry' } });
      await proxy.up();
      const retried = await post(server, '/webhooks/alertmanager', body);
      expect(retried).toMatchObject({ status: 200, body: { stored: true } });
    } finally {
      await server.close();
      await app.close();
      await db.close();
      await proxy.down();
      await t.drop();
    }
  });
});

/** A small seeded PRNG, so a failing body can be reproduced. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\\u0000',
  '"\\u0000"',
  '\uD800',
  '\uDFFF\uD800',
  '🔥',
  '',
  ' ',
  'x'.repeat(5000),
  '\\',
  '"',
  '\u2028\u2029',
  '<script>alert(1)</script>',
  '{{ .Labels }}',
  '%00',
  '\u202E',
  'ﬀ',
];
const NASTY_TIMES = ['-010000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '0001-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '2026-13-45T99:99:99Z', 'yesterday', '', '2026-12-01T08:00:00.123456789Z', '9999-12-31T23:59:59Z'];
const NASTY_VALUES: unknown[] = [null, 0, -1, 1.5, 1e308, true, [], {}, ['a'], { a: 'b' }, 'string', Number.MAX_SAFE_INTEGER];

/** One malformed body: a valid Grafana/Alertmanager body with a few of its fields replaced by something nasty, as JSON text. */
function malformed(rand: () => number, i: number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const nasty = (): unknown => (rand() < 0.7 ? pick(NASTY_STRINGS) : pick(NASTY_VALUES));
  const body = amBody(() => {}, i % 2 ? {} : { version: '1', orgId: 1 }) as Json & { alerts: Json[] };
  if (!(i % 2)) body.alerts.forEach((a) => Object.assign(a, { values: { B: 91.5 }, dashboardURL: 'http://grafana/d/x', silenceURL: '', panelURL: '' }));
  /** The object at `o[k]`, made one if an earlier mutation replaced or removed it. */
  const objectAt = (o: Json, k: string): Json => {
    const v = o[k];
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Json;
    return (o[k] = {});
  };
  const mutations = 1 + Math.floor(rand() * 4);
  for (let m = 0; m < mutations; m++) {
    const alert = pick(body.alerts);
    switch (Math.floor(rand() * 12)) {
      case 0:
        body.groupKey = nasty();
        break;
      case 1:
        objectAt(alert, 'labels')[String(pick(NASTY_STRINGS))] = nasty();
        break;
      case 2:
        objectAt(alert, 'annotations')[pick(['summary', 'description', String(pick(NASTY_STRINGS))])] = nasty();
        break;
      case 3:
        alert.startsAt = rand() < 0.8 ? pick(NASTY_TIMES) : nasty();
        break;
      case 4:
        alert.endsAt = rand() < 0.8 ? pick(NASTY_TIMES) : nasty();
        break;
      case 5:
        alert.fingerprint = nasty();
        break;
      case 6:
        alert[pick(['generatorURL', 'dashboardURL', 'panelURL', 'silenceURL'])] = nasty();
        break;
      case 7:
        alert.values = rand() < 0.5 ? { [String(pick(NASTY_STRINGS))]: pick([1e308, -0, 42]) } : nasty();
        break;
      case 8:
        objectAt(body, 'commonLabels')[String(pick(NASTY_STRINGS))] = nasty();
        objectAt(body, 'groupLabels').alertname = nasty();
        break;
      case 9:
        delete alert[pick(['status', 'labels', 'startsAt', 'fingerprint', 'annotations'])];
        break;
      case 10:
        body[pick(['status', 'receiver', 'externalURL', 'truncatedAlerts', 'commonAnnotations'])] = nasty();
        break;
      default:
        body.alerts.push({ ...healthy(), fingerprint: `extra-${i}-${m}`, labels: { alertname: String(pick(NASTY_STRINGS)) } });
    }
  }
  const text = JSON.stringify(body);
  // Sometimes the JSON text itself is the problem: numbers past double range, or the body cut short.
  const r = rand();
  if (r < 0.05) return text.slice(0, Math.floor(rand() * text.length));
  if (r < 0.1) return text.replace('91.5', '1e400');
  return text;
}

