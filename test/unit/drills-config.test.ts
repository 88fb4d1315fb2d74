import { describe, expect, it } from 'vitest';
import { drillRouteLabels, drillRouteNames, findDrillRoute } from '../../src/config/drills-schema.js';
import { parseConfigText } from '../../src/config/load.js';
import { configProblems } from '../support/config-problems.js';

const ROUTES = `
alerts:
  routes:
    - { match: { alertname: ProviderDown }, severity: critical }
    - { match: { service: api } }
    - { match_re: { alertname: "DiskUsageHigh|CertificateExpiring" } }
    - { match_re: { alertname: "Disk.*" } }
`;

describe('drills: config and /drill ROUTE', () => {
  it('a drill schedule with a route, page and incident loads with its defaults', () => {
    const { config } = parseConfigText(`${ROUTES}\ndrills:\n  - { name: quarterly-dr, cron: "0 10 1 1,4,7,10 *", route: ProviderDown, incident: true }\n`, 'test.yml', {});
    expect(config.drills).toEqual([{ name: 'quarterly-dr', cron: '0 10 1 1,4,7,10 *', route: 'ProviderDown', page: false, incident: true, keep_incident: false }]);
  });

  it('config check lists a bad cron, an unknown route, a pattern with no plain value, a repeated name and keep_incident without incident', () => {
    const problems = configProblems(`${ROUTES}
drills:
  - { name: a, cron: "every quarter" }
  - { name: b, cron: "0 10 1 * *", route: NoSuchRoute }
  - { name: c, cron: "0 10 1 * *", route: "#4" }
  - { name: c, cron: "0 10 1 * *", keep_incident: true }
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'drills[0].cron', message: 'must be a cron expression with 5 fields, e.g. "0 10 1 1,4,7,10 *" (quarterly, 10:00 UTC)' },
        { path: 'drills[1].route', message: '"NoSuchRoute" is not an alert route: name one by its number (1–4) or by the alertname or service its match names (ProviderDown, api, DiskUsageHigh).' },
        { path: 'drills[2].route', message: 'Route 4 matches alertname by the pattern "Disk.*", which names no plain value a drill could use: add a plain alternative to it, or drill another route.' },
        { path: 'drills[3].name', message: 'the name "c" is used by another drill' },
        { path: 'drills[3].keep_incident', message: 'keeps an incident only when incident: true' },
      ]),
    );
    expect(problems).toHaveLength(5);
  });

  it('a route is named by its number, alertname, service or a match_re alternative, in any case; its labels are what a drill sends', () => {
    const { config } = parseConfigText(ROUTES, 'test.yml', {});
    const routes = config.alerts.routes;
    expect(['1', '#2', 'providerdown', 'API', 'certificateexpiring', '5', 'nope'].map((w) => findDrillRoute(routes, w))).toEqual([0, 1, 0, 1, 2, null, null]);
    expect(drillRouteLabels(routes, 'ProviderDown')).toEqual({ ok: true, route: 0, labels: { alertname: 'ProviderDown', severity: 'critical' } });
    expect(drillRouteLabels(routes, 'api')).toEqual({ ok: true, route: 1, labels: { alertname: 'FirebreakDrill', severity: 'critical', service: 'api' } });
    expect(drillRouteLabels(routes, '3')).toEqual({ ok: true, route: 2, labels: { alertname: 'DiskUsageHigh', severity: 'critical' } });
    expect(drillRouteLabels(routes, undefined)).toEqual({ ok: true, route: null, labels: { alertname: 'FirebreakDrill', severity: 'critical' } });
  });

  it('offers only route names /drill takes: not a match_re route with no plain value, not a name that finds an earlier route', () => {
    const { config } = parseConfigText(`${ROUTES}    - { match: { alertname: ProviderDown, service: db } }
    - { match: { service: web }, match_re: { env: "prod-.*" } }
`, 'test.yml', {});
    const routes = config.alerts.routes;
    const names = drillRouteNames(routes);
    expect(names).toEqual(['ProviderDown', 'api', 'DiskUsageHigh', '#5']);
    // Every name offered drills the route it stands for.
    for (const n of names) expect(drillRouteLabels(routes, n).ok).toBe(true);
    expect(names.map((n) => findDrillRoute(routes, n))).toEqual([0, 1, 2, 4]);
    // The ones left out are refused, which is why they are not offered.
    expect(drillRouteLabels(routes, '#4')).toMatchObject({ ok: false, why: expect.stringContaining('names no plain value') });
    expect(drillRouteLabels(routes, '#6')).toMatchObject({ ok: false, why: expect.stringContaining('names no plain value') });
  });
});
