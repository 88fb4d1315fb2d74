import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import type { Db } from '../../src/store/db.js';
import { testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const people: Actor[] = ['alice', 'bob', 'carol'].map((n) => ({ platform: 'console', id: n, name: n }));

/**
 * Three replicas of Firebreak on one PostgreSQL: three people press Open incident on the same
 * alert card at the same moment, each click handled by a different replica. One incident, one
 * channel, one pinned card, one announcement; the other two are told it is already open.
 */
describe('Open incident pressed on three replicas at once', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[];
  let apps: App[];
  beforeAll(async () => {
    t = await createTestDatabase('fb_inc_replicas');
    dbs = await Promise.all([0, 1, 2].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
    apps = await Promise.all(dbs.map((db) => testApp('{}', { db })));
  });
  afterAll(async () => {
    for (const a of apps ?? []) await a.close();
    for (const d of dbs ?? []) await d.close();
    await t?.drop();
  });

  it('declares one incident with one channel', async () => {
    const [group] = await dbs[0]!.query<{ id: string }>(
      `INSERT INTO alert_groups (group_key, source, status, alertname, service, severity, channel, first_fired_at, last_change_at)
       VALUES ('{}:{alertname="DiskFull"}', 'alertmanager', 'firing', 'DiskFull', 'db', 'warning', 'incidents', now(), now()) RETURNING id`,
    );
    const incidents = await apps[0]!.consoleMessages.ensureChannel('incidents');
    const channel = { platform: 'console', id: incidents.id, name: 'incidents' };
    const results = await Promise.all(apps.map((app, i) => app.dispatcher.dispatch({ actor: people[i]!, channel, input: { kind: 'action', actionId: `inc-open:${group!.id}` } })));

    const all = await dbs[0]!.query<{ id: string; channel: { id: string; name: string } }>(`SELECT id, channel FROM incidents`);
    expect(all).toHaveLength(1);
    const id = all[0]!.id;
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(results.filter((r) => r.placement.kind === 'channel')).toHaveLength(1);
    expect(results.filter((r) => r.reply.title === `${id} is already open`)).toHaveLength(2);

    const channels = await dbs[0]!.query<{ name: string }>(`SELECT name FROM console_channels WHERE name LIKE 'inc-%'`);
    expect(channels.map((c) => c.name)).toEqual([all[0]!.channel.name]);
    const cards = await dbs[0]!.query<{ channel_id: string; pinned: boolean }>(`SELECT channel_id, pinned FROM console_messages WHERE reply->>'title' LIKE $1`, [`${id}: DiskFull%`]);
    expect(cards).toEqual([{ channel_id: all[0]!.channel.id, pinned: true }]);
    const announcements = await dbs[0]!.query(`SELECT id FROM console_messages WHERE channel_id = $1 AND reply->>'title' LIKE $2`, [incidents.id, `Incident ${id} %`]);
    expect(announcements).toHaveLength(1);
    const events = await apps[0]!.ports.timeline.list({ incidentId: id });
    expect(events.filter((e) => e.kind === 'incident.declared')).toHaveLength(1);
    // Every click is on the incident's timeline, the two that found it open too.
    expect(events.filter((e) => e.kind === 'button').map((e) => e.actor.name).sort()).toEqual(['alice', 'bob', 'carol']);
  });
});
