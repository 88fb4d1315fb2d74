import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { WatchedCheck } from '../../src/alerts/health-watch.js';
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
});
