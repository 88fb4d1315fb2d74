import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelRef } from '../../src/core/identity.js';
import { sendDueReminders } from '../../src/incidents/reminders.js';
import type { App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { alice, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const CONFIG = `
incidents:
  reminders:
    status_update_min: { sev1: 30 }
    lead_nudge_min: 10
`;
const min = (n: number) => n * 60_000;

/**
 * Reminders with an injected clock, on two replicas sharing one PostgreSQL: each due reminder is
 * posted once, whichever replica looks; a claim abandoned by a replica that died is sent later, not
 * lost; nothing is sent for a resolved incident.
 */
describe('incident reminders across two replicas', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[];
  let apps: App[];
  beforeAll(async () => {
    t = await createTestDatabase('fb_inc_reminders');
    dbs = await Promise.all([0, 1].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
    apps = await Promise.all(dbs.map((db) => testApp(CONFIG, { db })));
  });
  afterAll(async () => {
    for (const a of apps ?? []) await a.close();
    for (const d of dbs ?? []) await d.close();
    await t?.drop();
  });

  const deps = (i: number) => ({ config: apps[i]!.loaded.config, ports: apps[i]!.ports });
  const bothAt = async (at: Date) => (await Promise.all([sendDueReminders(deps(0), at), sendDueReminders(deps(1), at)])).reduce((a, b) => a + b, 0);
  const postedIn = async (channelId: string) =>
    (await apps[0]!.consoleMessages.changesSince(0, 'nobody', 1000)).messages.filter((m) => m.channel?.id === channelId && /status update is due|has no lead/.test(m.reply.title)).map((m) => m.reply.title);

  it('reminds the lead once per interval and nudges a lead-less incident once, whichever replica looks', async () => {
    const c = await apps[0]!.consoleMessages.ensureChannel('incidents');
    const incidents: ChannelRef = { platform: 'console', id: c.id, name: c.name };
    const declared = await apps[0]!.dispatcher.dispatch({ actor: alice, channel: incidents, input: { kind: 'text', text: '/incident declare "payments down" sev1' } });
    expect(declared.status).toBe('ok');
    const sev1 = (await apps[0]!.ports.incidents.listOpen()).find((i) => i.title === 'payments down')!;
    // Declared by the system (as an alert route would): nobody leads it.
    const ctx = { actor: { platform: 'system', id: 'alerts', name: 'alerts' }, invocationId: 'route' };
    const { incident: leadless } = await apps[1]!.ports.incidents.declare({ source: 'alert-group:77', title: 'disk 91%', severity: 'sev3', declaredBy: ctx.actor, lead: null }, ctx);
    const room = await apps[1]!.consoleMessages.createChannel('inc-disk');
    await apps[1]!.ports.incidents.setChannel(leadless.id, { platform: 'console', id: room.id, name: room.name, own: true }, ctx);
    const t0 = sev1.declaredAt.getTime();

    expect(await bothAt(new Date(t0 + min(5)))).toBe(0);
    expect(await bothAt(new Date(t0 + min(31)))).toBe(2);
    expect(await postedIn(sev1.channel!.id)).toEqual([`${sev1.id}: a status update is due`]);
    expect(await postedIn(room.id)).toEqual([`${leadless.id} has no lead`]);
    expect(await bothAt(new Date(t0 + min(32)))).toBe(0);

    // A replica claims the next one and dies before posting: it is sent once the claim expires.
    const abandoned = await apps[1]!.ports.incidents.claimDueReminders(new Date(t0 + min(62)), 'dead-replica', min(2));
    expect(abandoned.map((r) => r.incidentId)).toEqual([sev1.id]);
    expect(await bothAt(new Date(t0 + min(63)))).toBe(0);
    expect(await bothAt(new Date(t0 + min(65)))).toBe(1);
    expect(await postedIn(sev1.channel!.id)).toHaveLength(2);
    // The lead nudge is once only.
    expect(await postedIn(room.id)).toHaveLength(1);

    // Resolved: nothing more.
    await apps[0]!.dispatcher.dispatch({ actor: alice, channel: { platform: 'console', id: sev1.channel!.id, name: sev1.channel!.name }, input: { kind: 'text', text: '/incident resolve' } });
    expect(await bothAt(new Date(t0 + min(200)))).toBe(0);
    const events = await apps[0]!.ports.timeline.list({ incidentId: sev1.id });
    expect(events.filter((e) => e.kind === 'incident.reminder').map((e) => [e.actor.name, e.detail.reminder, e.detail.lead])).toEqual([
      ['Firebreak', 'status-update', 'alice'],
      ['Firebreak', 'status-update', 'alice'],
    ]);
  });

  it('a status change or an update counts the next reminder from then; taking the lead cancels the nudge', async () => {
    const ctx = { actor: alice, invocationId: 'x' };
    const { incident } = await apps[0]!.ports.incidents.declare({ source: 'test:clock', title: 'queue backlog', severity: 'sev1', declaredBy: alice, lead: null }, ctx);
    const due = async () =>
      Object.fromEntries((await dbs[0]!.query<{ kind: string; due_at: Date }>(`SELECT kind, due_at FROM incident_reminders WHERE incident_id = $1`, [incident.id])).map((r) => [r.kind, new Date(r.due_at).getTime()]));
    const first = await due();
    expect(first['lead-nudge']).toBe(incident.declaredAt.getTime() + min(10));
    expect(first['status-update']).toBeGreaterThanOrEqual(incident.declaredAt.getTime() + min(30) - 1000);
    await new Promise((r) => setTimeout(r, 20));
    await apps[1]!.ports.incidents.recordUpdate(incident.id, 'consumers scaled to 8', ctx);
    expect((await due())['status-update']).toBeGreaterThan(first['status-update']!);
    await apps[1]!.ports.incidents.setRole(incident.id, 'lead', alice, ctx);
    expect(Object.keys(await due())).toEqual(['status-update']);
  });
});
