import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { WatchedCheck } from '../../src/alerts/health-watch.js';
import { configuredOccurrences, type MaintenanceWindow } from '../../src/alerts/maintenance.js';
import { maintenanceSchema } from '../../src/config/maintenance-schema.js';
import { parseConfigText } from '../../src/config/load.js';
import type { FirebreakConfig } from '../../src/config/schema.js';
import { defaultWebConfig, type WebConfig } from '../../src/config/web-schema.js';
import type { Incident } from '../../src/incidents/model.js';
import type { PublicIncident } from '../../src/incidents/public-updates.js';
import { statusFeed } from '../../src/web/status-feed.js';
import { configProblems } from '../support/config-problems.js';
import { statusJson, statusModel } from '../../src/web/status-model.js';

const NOW = new Date('2026-12-01T12:00:00Z');
const person = { platform: 'slack', id: 'U1', name: 'alice' };
const web: WebConfig = {
  ...defaultWebConfig,
  status_page: { enabled: true, title: 'Acme status', components: { api: { name: 'Checkout API' }, gateway: { name: 'Model gateway', checks: ['litellm', 'postgres'] }, worker: { name: 'Jobs' } } },
};
const watched = (check: string, failures: number, raised: boolean): WatchedCheck => ({ check, failures, raised, firstFailureAt: null, lastFailure: 'secret detail from the probe' });

function incident(id: string, service: string | null, declaredAt: string, resolvedAt: string | null): Incident {
  return {
    id,
    title: 'internal title: bob deployed',
    severity: 'sev2',
    status: resolvedAt ? 'resolved' : 'identified',
    roles: { lead: person, comms: null, scribe: null },
    declaredBy: person,
    declaredAt: new Date(declaredAt),
    source: id,
    channel: null,
    alertGroups: [],
    service,
    resolvedAt: resolvedAt ? new Date(resolvedAt) : null,
    version: 1,
  };
}

const published: PublicIncident[] = [
  { incident: incident('INC-3', 'api', '2026-12-01T10:00:00Z', null), updates: [{ id: '7', incidentId: 'INC-3', text: 'Checkout is <b>degraded</b> & slow', publishedBy: person, publishedAt: new Date('2026-12-01T10:05:00Z') }] },
  { incident: incident('INC-1', null, '2026-11-20T23:00:00Z', '2026-11-21T01:00:00Z'), updates: [{ id: '2', incidentId: 'INC-1', text: 'Resolved.', publishedBy: person, publishedAt: new Date('2026-11-21T01:00:00Z') }] },
];

describe('the status page model', () => {
  it('component states: raised check → outage, a failing check or an open published incident → degraded, no watch data → unknown', () => {
    const m = statusModel(web, [watched('api', 0, false), watched('litellm', 2, false), watched('postgres', 0, false)], published, NOW);
    expect(m.components.map((c) => [c.id, c.name, c.state])).toEqual([
      ['api', 'Checkout API', 'degraded'],
      ['gateway', 'Model gateway', 'degraded'],
      ['worker', 'Jobs', 'unknown'],
    ]);
    expect(statusModel(web, [watched('postgres', 5, true)], [], NOW).components[1]!.state).toBe('outage');
    expect(statusModel(web, [watched('api', 0, false)], [], NOW).components[0]!.state).toBe('operational');
  });

  it('90 days per component, oldest first, red only on days a published incident about it ran', () => {
    const m = statusModel(web, [], published, NOW);
    const api = m.components[0]!;
    expect(api.days).toHaveLength(90);
    expect(api.days.at(-1)).toEqual({ date: '2026-12-01', state: 'incident' });
    expect(api.days.filter((d) => d.state === 'incident')).toHaveLength(1);
    // INC-1 named no component: no component's row is red for it.
    expect(m.components.flatMap((c) => c.days).filter((d) => d.date === '2026-11-21' && d.state === 'incident')).toEqual([]);
  });

  it('JSON and feed carry the published text and nothing else of the incident', () => {
    const m = statusModel(web, [watched('litellm', 1, false)], published, NOW);
    const json = JSON.stringify(statusJson(m));
    const feed = statusFeed(m, 'https://status.example.com/');
    for (const text of [json, feed]) {
      expect(text).not.toContain('internal title');
      expect(text).not.toContain('alice');
      expect(text).not.toContain('secret detail');
    }
    expect(json).toContain('Checkout is <b>degraded</b> & slow');
    // In the feed the update is text, escaped by the XML builder: a reader parses back exactly what was published.
    expect(feed).toContain('Checkout is &lt;b&gt;degraded&lt;/b&gt; &amp; slow');
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(feed) as { feed: { entry: { content: { '#text': string; '@_type': string }; id: string }[] } };
    expect(parsed.feed.entry.map((e) => e.content['#text'])).toEqual(['Checkout is <b>degraded</b> & slow', 'Resolved.']);
    expect(parsed.feed.entry[0]!.content['@_type']).toBe('text');
    expect(parsed.feed.entry[0]!.id).toBe('https://status.example.com/status#update-7');
    // Open incidents first; the one naming no component is about "Our services".
    expect(m.incidents.map((i) => [i.id, i.affects])).toEqual([
      ['INC-3', 'Checkout API'],
      ['INC-1', 'Our services'],
    ]);
  });
});

function win(id: string | null, services: string[], startsAt: string, endsAt: string, extra: Partial<MaintenanceWindow> = {}): MaintenanceWindow {
  return { id, configName: null, services, reason: 'bob upgrades pg 16 on db-7, internal ticket OPS-99', startsAt: new Date(startsAt), endsAt: new Date(endsAt), endedAt: null, endedBy: null, createdBy: 'alice', noticeH: 0, ...extra };
}

describe('the status page model: maintenance windows', () => {
  const config = maintenanceSchema.parse([
    { name: 'pg-upgrade', cron: '0 2 * * 0', duration: '2h', services: ['postgres'], reason: 'internal: pg 16 on db-7', public_note: 'Model requests may be slow.' },
    { name: 'api-patch', cron: '0 3 * * 3', duration: '1h', services: ['api'], reason: 'internal: kernel patch' },
  ]);
  const windows = [
    // Running: typed with /maintenance start, covering the gateway through one of its checks and a service that is no component.
    win('4', ['litellm', 'secret-internal-svc'], '2026-12-01T11:30:00Z', '2026-12-01T13:00:00Z'),
    // Running, from the config, with a public note; ends first.
    win('5', ['postgres'], '2026-12-01T11:00:00Z', '2026-12-01T12:30:00Z', { configName: 'pg-upgrade' }),
    // Upcoming in 6 days, configured and not stored yet.
    win(null, ['api'], '2026-12-07T03:00:00Z', '2026-12-07T04:00:00Z', { configName: 'api-patch' }),
    // Upcoming tomorrow.
    win('6', ['worker'], '2026-12-02T08:00:00Z', '2026-12-02T09:00:00Z'),
    // Over: ended early before now; beyond the 7 days; only services that are no component.
    win('7', ['api'], '2026-12-01T10:00:00Z', '2026-12-01T14:00:00Z', { endedAt: new Date('2026-12-01T11:00:00Z'), endedBy: 'bob' }),
    win('8', ['api'], '2026-12-09T00:00:00Z', '2026-12-09T01:00:00Z'),
    win('9', ['secret-internal-svc'], '2026-12-01T11:00:00Z', '2026-12-01T13:00:00Z'),
  ];
  const failing = [watched('api', 0, false), watched('litellm', 3, true), watched('worker', 2, false)];

  it('running windows by their components, until when, soonest end first; upcoming ones within 7 days, soonest first', () => {
    const m = statusModel(web, failing, [], NOW, 90, { config, windows });
    expect(m.maintenanceRunning.map((w) => [w.key, w.components, w.startsAt.toISOString(), w.endsAt.toISOString(), w.note])).toEqual([
      ['m5', ['Model gateway'], '2026-12-01T11:00:00.000Z', '2026-12-01T12:30:00.000Z', 'Model requests may be slow.'],
      ['m4', ['Model gateway'], '2026-12-01T11:30:00.000Z', '2026-12-01T13:00:00.000Z', null],
    ]);
    expect(m.maintenanceUpcoming.map((w) => [w.components, w.startsAt.toISOString(), w.note])).toEqual([
      [['Jobs'], '2026-12-02T08:00:00.000Z', null],
      [['Checkout API'], '2026-12-07T03:00:00.000Z', null],
    ]);
    // A configured occurrence not stored yet has a key that is the same on every request and names nothing internal.
    const again = statusModel(web, failing, [], NOW, 90, { config, windows });
    expect(again.maintenanceUpcoming[1]!.key).toBe(m.maintenanceUpcoming[1]!.key);
    expect(m.maintenanceUpcoming[1]!.key).toMatch(/^c[0-9a-f]{12}$/);
  });

  it('a component under a running window is in maintenance, not down or degraded, while health checks fail; after it, the failures show again', () => {
    const m = statusModel(web, failing, [], NOW, 90, { config, windows });
    expect(m.components.map((c) => [c.id, c.state])).toEqual([
      ['api', 'operational'],
      ['gateway', 'maintenance'],
      ['worker', 'degraded'],
    ]);
    const later = statusModel(web, failing, [], new Date('2026-12-01T13:00:00Z'), 90, { config, windows });
    expect(later.components.find((c) => c.id === 'gateway')!.state).toBe('outage');
    // An incident someone published about it still shows: that was said on purpose.
    const withIncident = statusModel(web, failing, published, NOW, 90, { config, windows: [win('10', ['api'], '2026-12-01T11:00:00Z', '2026-12-01T13:00:00Z')] });
    expect(withIncident.components[0]!.state).toBe('degraded');
  });

  it('the reason is never in the JSON or the feed; the public note, components and times are', () => {
    const m = statusModel(web, failing, [], NOW, 90, { config, windows });
    const json = statusJson(m) as { maintenance: { running: { title: string; components: string[]; ends_at: string; note: string | null }[]; upcoming: unknown[] } };
    expect(json.maintenance.running[0]).toMatchObject({ title: 'Scheduled maintenance', components: ['Model gateway'], ends_at: '2026-12-01T12:30:00.000Z', note: 'Model requests may be slow.' });
    expect(json.maintenance.upcoming).toHaveLength(2);
    const feed = statusFeed(m, 'https://status.example.com');
    for (const text of [JSON.stringify(json), feed]) {
      for (const secret of ['internal', 'pg 16', 'OPS-99', 'bob', 'alice', 'secret-internal-svc', 'pg-upgrade', 'api-patch']) expect(text, secret).not.toContain(secret);
    }
    const parsed = new XMLParser({ ignoreAttributes: false }).parse(feed) as { feed: { entry: { title: { '#text': string }; content: { '#text': string }; updated: string; id: string }[] } };
    expect(parsed.feed.entry.map((e) => [e.title['#text'], e.updated])).toEqual([
      ['Scheduled maintenance (in progress): Model gateway', '2026-12-01T11:30:00.000Z'],
      ['Scheduled maintenance (in progress): Model gateway', '2026-12-01T11:00:00.000Z'],
      ['Scheduled maintenance: Checkout API', '2026-11-30T03:00:00.000Z'],
      ['Scheduled maintenance: Jobs', '2026-11-25T08:00:00.000Z'],
    ]);
    expect(parsed.feed.entry[1]!.content['#text']).toBe('Scheduled maintenance of Model gateway, 2026-12-01T11:00:00Z until 2026-12-01T12:30:00Z. Model requests may be slow.');
    expect(parsed.feed.entry[1]!.id).toBe('https://status.example.com/status#maintenance-m5');
  });

  it('configured occurrences carry their window name, so the public note is found for them', () => {
    const occ = configuredOccurrences({ maintenance: config } as Pick<FirebreakConfig, 'maintenance'> as FirebreakConfig, NOW, new Date('2026-12-08T12:00:00Z'));
    const m = statusModel(web, [], [], NOW, 90, { config, windows: occ });
    expect(m.maintenanceUpcoming.map((w) => [w.components, w.startsAt.toISOString(), w.note])).toEqual([
      [['Checkout API'], '2026-12-02T03:00:00.000Z', null],
      [['Model gateway'], '2026-12-06T02:00:00.000Z', 'Model requests may be slow.'],
    ]);
  });
});

describe('web: in the config', () => {
  const services = 'services:\n  api: { health: { type: http, url: "http://127.0.0.1:1/healthz" } }\n';

  it('a bad header name is named by its path', () => {
    expect(configProblems(`${services}web:\n  auth: { trusted_header: "X Forwarded Email" }\n`)).toEqual([
      expect.objectContaining({ path: 'web.auth.trusted_header', message: expect.stringContaining('HTTP header name') }),
    ]);
  });

  it('a component that is not a service or datastore, and a check that is not a health check, are named by their paths', () => {
    const problems = configProblems(`${services}web:
  status_page:
    enabled: true
    components:
      api: { name: Checkout API, checks: [api, nosuch] }
      billing: { name: Billing }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'web.status_page.components.api.checks[1]', message: expect.stringContaining('"nosuch" is not a health check') },
        { path: 'web.status_page.components.billing', message: '"billing" is not a service or datastore' },
      ]),
    );
    expect(problems).toHaveLength(2);
  });

  it('a maintenance window\'s public_note is optional and bounded', () => {
    expect(configProblems(`${services}maintenance:\n  - { cron: "0 2 * * 0", duration: 2h, services: [api], reason: r, public_note: "" }\n`)).toEqual([
      expect.objectContaining({ path: 'maintenance[0].public_note' }),
    ]);
    const loaded = parseConfigText(`${services}maintenance:\n  - { cron: "0 2 * * 0", duration: 2h, services: [api], reason: r, public_note: "Checkout may be slow." }\n`, 'test.yml', {});
    expect(loaded.config.maintenance[0]!.public_note).toBe('Checkout may be slow.');
  });
});
