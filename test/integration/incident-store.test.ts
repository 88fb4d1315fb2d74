import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeContext } from '../../src/incidents/incident-store.js';
import type { App } from '../../src/main.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { alice, bob, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const ctx = (invocationId: string, actor = alice): ChangeContext => ({ actor, invocationId, channel: { platform: 'console', id: 'console', name: 'console' } });

describe('SqlIncidentStore (embedded PGlite)', () => {
  let app: App;
  beforeAll(async () => {
    app = await testApp('{}');
  });
  afterAll(async () => app.close());

  it('declares once per source: a repeat returns the first incident and records nothing more', async () => {
    const input = { source: 'test:once', title: 'checkout 5xx', severity: 'sev2' as const, declaredBy: alice, lead: alice };
    const first = await app.ports.incidents.declare(input, ctx('inv-1'));
    const again = await app.ports.incidents.declare({ ...input, title: 'something else' }, ctx('inv-2', bob));
    expect(first.created).toBe(true);
    expect(first.incident).toMatchObject({ title: 'checkout 5xx', severity: 'sev2', status: 'investigating', version: 1, roles: { lead: { id: 'alice' }, comms: null, scribe: null } });
    expect(first.incident.id).toMatch(/^INC-\d+$/);
    expect(again).toEqual({ incident: first.incident, created: false });
    const events = await app.ports.timeline.list({ incidentId: first.incident.id });
    expect(events.map((e) => [e.kind, e.invocationId])).toEqual([['incident.declared', 'inv-1']]);
  });

  it('numbers incidents from the sequence: INC-n, n increasing', async () => {
    const a = await app.ports.incidents.declare({ source: 'test:n1', title: 'a', severity: 'sev3', declaredBy: alice, lead: null }, ctx('i'));
    const b = await app.ports.incidents.declare({ source: 'test:n2', title: 'b', severity: 'sev3', declaredBy: alice, lead: null }, ctx('i'));
    expect(Number(b.incident.id.slice(4))).toBe(Number(a.incident.id.slice(4)) + 1);
  });

  it('each change bumps the version and records its event with the incident id; a no-op records nothing', async () => {
    const { incident } = await app.ports.incidents.declare({ source: 'test:changes', title: 'db slow', severity: 'sev3', declaredBy: alice, lead: null }, ctx('d'));
    const s = await app.ports.incidents.setStatus(incident.id, 'identified', ctx('s1'), 'bad index');
    expect(s).toMatchObject({ changed: true, before: { status: 'investigating' }, incident: { status: 'identified', version: 2 } });
    expect((await app.ports.incidents.setStatus(incident.id, 'identified', ctx('s2')))!.changed).toBe(false);
    expect((await app.ports.incidents.setSeverity(incident.id, 'sev1', ctx('v')))!.incident).toMatchObject({ severity: 'sev1', version: 3 });
    const r = await app.ports.incidents.setRole(incident.id, 'lead', bob, ctx('r1'));
    expect(r!.incident.roles.lead).toEqual({ platform: 'console', id: 'bob', name: 'bob' });
    await app.ports.incidents.setRole(incident.id, 'comms', alice, ctx('r2'));
    expect((await app.ports.incidents.setRole(incident.id, 'lead', bob, ctx('r3')))!.changed).toBe(false);
    const resolved = await app.ports.incidents.setStatus(incident.id, 'resolved', ctx('s3'));
    expect(resolved!.incident.resolvedAt).toBeInstanceOf(Date);
    const item = await app.ports.incidents.addActionItem(incident.id, 'add the missing index to the migration', ctx('a', bob));
    expect(item).toMatchObject({ incidentId: incident.id, text: 'add the missing index to the migration', by: { id: 'bob' }, done: false });
    expect(await app.ports.incidents.listActionItems(incident.id)).toEqual([item]);

    const events = await app.ports.timeline.list({ incidentId: incident.id });
    expect(events.map((e) => [e.kind, e.invocationId, e.detail.version])).toEqual([
      ['incident.declared', 'd', 1],
      ['incident.status', 's1', 2],
      ['incident.severity', 'v', 3],
      ['incident.role', 'r1', 4],
      ['incident.role', 'r2', 5],
      ['incident.status', 's3', 6],
      ['incident.action-item', 'a', 6],
    ]);
    expect(events[1]!.text).toBe(`${incident.id} investigating → identified: bad index`);
    expect(events.every((e) => e.incidentId === incident.id)).toBe(true);
    expect((await app.ports.incidents.get(incident.id))!.version).toBe(6);
  });

  it('finds an incident by its own channel only, and lists open ones newest first', async () => {
    const { incident: own } = await app.ports.incidents.declare({ source: 'test:own', title: 'own', severity: 'sev2', declaredBy: alice, lead: alice }, ctx('o'));
    const { incident: shared } = await app.ports.incidents.declare({ source: 'test:shared', title: 'shared', severity: 'sev2', declaredBy: alice, lead: alice }, ctx('s'));
    await app.ports.incidents.setChannel(own.id, { platform: 'slack', id: 'CINC1', name: 'inc-20261125-own', own: true }, ctx('c1'));
    // Running in the incidents channel (its channel could not be created) does not make #incidents its channel.
    await app.ports.incidents.setChannel(shared.id, { platform: 'slack', id: 'CINCIDENTS', name: 'incidents', own: false }, ctx('c2'));
    expect((await app.ports.incidents.byChannel('slack', 'CINC1'))?.id).toBe(own.id);
    expect(await app.ports.incidents.byChannel('discord', 'CINC1')).toBeNull();
    expect(await app.ports.incidents.byChannel('slack', 'CINCIDENTS')).toBeNull();
    // The dispatcher's batched look-up of a burst's channels answers by the same rule.
    const byChannels = (platform: string, ids: string[]) => app.ports.incidentAttribution.byChannels!(platform, ids);
    expect(await byChannels('slack', ['CINC1', 'CINCIDENTS', 'CNONE'])).toEqual(new Map([['CINC1', { id: own.id }]]));
    expect(await byChannels('discord', ['CINC1'])).toEqual(new Map());
    const open = (await app.ports.incidents.listOpen()).map((i) => i.id);
    expect(open.indexOf(shared.id)).toBeLessThan(open.indexOf(own.id));
    await app.ports.incidents.setStatus(own.id, 'resolved', ctx('x'));
    expect((await app.ports.incidents.listOpen()).map((i) => i.id)).not.toContain(own.id);
    // Its channel stays its own after it is resolved: the post-mortem work there still belongs to it.
    expect((await app.ports.incidents.byChannel('slack', 'CINC1'))?.id).toBe(own.id);
    expect(await byChannels('slack', ['CINC1'])).toEqual(new Map([['CINC1', { id: own.id }]]));
  });

  it('links an alert group both ways, once', async () => {
    const [group] = await app.db.query<{ id: string }>(
      `INSERT INTO alert_groups (group_key, source, status, alertname, channel, first_fired_at, last_change_at) VALUES ('{}:{alertname="X"}', 'alertmanager', 'firing', 'X', 'incidents', now(), now()) RETURNING id`,
    );
    const groupId = String(group!.id);
    const { incident } = await app.ports.incidents.declare({ source: `alert-group:${groupId}`, title: 'X', severity: 'sev2', declaredBy: alice, lead: null, alertGroups: [groupId] }, ctx('l'));
    expect(incident.alertGroups).toEqual([groupId]);
    expect((await app.ports.alerts.get(groupId))!.incidentId).toBe(incident.id);
    const { incident: other } = await app.ports.incidents.declare({ source: 'test:link', title: 'Y', severity: 'sev2', declaredBy: alice, lead: null }, ctx('l2'));
    expect((await app.ports.incidents.linkAlertGroup(other.id, groupId, ctx('l3'), ['slack']))!.incident.alertGroups).toEqual([groupId]);
    expect((await app.ports.incidents.linkAlertGroup(other.id, groupId, ctx('l4'), ['slack']))!.changed).toBe(false);
    expect((await app.ports.alerts.get(groupId))!.incidentId).toBe(other.id);
    expect(await app.db.query(`SELECT platform FROM outbox WHERE message_key = $1`, [`alert-group:${groupId}`])).toEqual([{ platform: 'slack' }]);
  });

  it('changes to an incident that does not exist return null and record nothing', async () => {
    expect(await app.ports.incidents.setStatus('INC-999999', 'resolved', ctx('n'))).toBeNull();
    expect(await app.ports.incidents.addActionItem('INC-999999', 'x', ctx('n'))).toBeNull();
    expect(await app.ports.timeline.list({ invocationId: 'n' })).toEqual([]);
  });
});

describe('SqlIncidentStore on PostgreSQL: three replicas declaring from one source at once', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('fb_incidents');
  });
  afterAll(async () => db.drop());

  it('one incident, one declared event; every replica gets the same incident back', async () => {
    const dbs = await Promise.all([0, 1, 2].map(() => openPostgres(db.url)));
    await migrate(dbs[0]!);
    const apps = await Promise.all(dbs.map((d) => testApp('{}', { db: d })));
    try {
      for (let round = 0; round < 5; round++) {
        const source = `alert-group:race-${round}`;
        const results = await Promise.all(
          apps.map((a, i) => a.ports.incidents.declare({ source, title: `race ${round}`, severity: 'sev1', declaredBy: alice, lead: null }, ctx(`replica-${i}`))),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r.incident.id)).size).toBe(1);
        const events = await apps[0]!.ports.timeline.list({ incidentId: results[0]!.incident.id });
        expect(events.map((e) => e.kind)).toEqual(['incident.declared']);
      }
      const [{ n }] = (await dbs[0]!.query<{ n: string }>(`SELECT count(*) AS n FROM incidents`)) as [{ n: string }];
      expect(Number(n)).toBe(5);
    } finally {
      for (const a of apps) await a.close();
      for (const d of dbs) await d.close();
    }
  });
});
