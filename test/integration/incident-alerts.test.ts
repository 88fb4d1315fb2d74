import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { declareFromRoute, linkToOpenIncident } from '../../src/incidents/alert-incidents.js';
import type { App } from '../../src/main.js';
import { testApp } from '../support/app.js';

const CONFIG = `
alerts:
  routes:
    - match: { severity: critical }
      incident: P1
    - match: {}
incidents:
  responders:
    services: { payments: ["console:oncall-payments"] }
`;

/** Incidents from alerts on the embedded store and the console platform. */
describe('incidents from alert routes', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(CONFIG);
  });
  afterAll(async () => app.close());

  const group = async (alertname: string, route: number | null, service = 'payments') => {
    const [row] = await app.db.query<{ id: string }>(
      `INSERT INTO alert_groups (group_key, source, status, alertname, service, severity, channel, route, first_fired_at, last_change_at)
       VALUES ($1, 'alertmanager', 'firing', $2, $3, 'critical', 'incidents', $4, now(), now()) RETURNING id`,
      [`{}:{alertname="${alertname}"}`, alertname, service, route],
    );
    return (await app.ports.alerts.get(String(row!.id)))!;
  };
  const deps = () => ({ config: app.loaded.config, ports: app.ports });

  it('a route with incident: declares once per group, by the system, with no lead (so the channel is nudged) and the service responders invited', async () => {
    const g = await group('PaymentsDown', 0);
    const d = (await declareFromRoute(deps(), g))!;
    expect(d.created).toBe(true);
    expect(d.incident).toMatchObject({ title: 'PaymentsDown on payments', severity: 'sev1', service: 'payments', declaredBy: { platform: 'system', name: 'alerts' }, roles: { lead: null } });
    expect((await app.consoleMessages.channel(d.incident.channel!.id))!.members).toEqual(['oncall-payments']);
    expect((await declareFromRoute(deps(), g))!.created).toBe(false);
    const reminders = await app.db.query<{ kind: string }>(`SELECT kind FROM incident_reminders WHERE incident_id = $1 ORDER BY kind`, [d.incident.id]);
    expect(reminders.map((r) => r.kind)).toEqual(['lead-nudge', 'status-update']);
    // A route without incident: declares nothing.
    expect(await declareFromRoute(deps(), await group('Noise', 1))).toBeNull();

    // A later group of the same service joins the open incident; another service's does not.
    const later = await group('PaymentsLatency', 1);
    expect((await linkToOpenIncident(deps(), later))?.id).toBe(d.incident.id);
    expect((await app.ports.incidents.get(d.incident.id))!.alertGroups).toEqual([g.id, later.id]);
    expect((await app.ports.alerts.get(later.id))!.incidentId).toBe(d.incident.id);
    expect(await linkToOpenIncident(deps(), await group('SearchSlow', 1, 'search'))).toBeNull();
    const card = (await app.consoleMessages.changesSince(0, 'x', 500)).messages.find((m) => m.channel?.id === d.incident.channel!.id && m.pinned)!;
    expect(card.reply.fields).toContainEqual({ label: 'Alerts (2)', value: 'PaymentsDown (payments) — firing\nPaymentsLatency (payments) — firing' });
  });
});
