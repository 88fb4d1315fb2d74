import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { runEscalation } from '../../src/alerts/escalation.js';
import { renderAlertCard } from '../../src/alerts/alert-card.js';
import { announceMaintenance } from '../../src/alerts/maintenance-worker.js';
import type { MaintenanceStore } from '../../src/alerts/maintenance.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { ingestGroup } from '../support/alert-groups.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

/**
 * Maintenance windows on the SQL store (PGlite), with the real ingest, escalation, incidents'
 * reactions and the announcer driven by an injected clock: an alert inside a window gets a marked
 * card and no escalation, page or incident; one still firing at the window's end escalates,
 * counting from the end; /maintenance's bad input is one sentence and changes nothing.
 */
const KEY = 'maintenancekey000000000000000000';
const yaml = (pdUrl: string) => `
roles:
  responders: ["console:alice"]
services:
  api: { health: { type: http, url: "http://127.0.0.1:9/health" } }
  gateway: { health: { type: http, url: "http://127.0.0.1:9/health" } }
alerts:
  watch: { enabled: false }
  pagerduty: { routing_key: ${KEY}, api_url: "${pdUrl}" }
  routes:
    - { match: { alertname: DatabaseDown }, incident: sev2 }
  escalation:
    - { after_min: 0, pagerduty: true }
    - { after_min: 5, mention: [console:bob] }
`;

describe('maintenance windows', () => {
  let pd: FakePagerDuty;
  let app: Awaited<ReturnType<typeof testApp>>;
  const run = (text: string, actor = alice) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text } });
  const store = () => app.ports.maintenance as MaintenanceStore;
  const later = (ms: number) => new Date(Date.now() + ms);

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
    app = await testApp(yaml(pd.url));
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    await pd?.close();
  });

  it('an alert inside a window gets a marked card, and no escalation, page or incident; an alert outside gets all three', async () => {
    const started = await run('/maintenance start api 2h "Postgres 16 upgrade"');
    expect(started.status).toBe('ok');
    expect(started.reply.title).toMatch(/^🔧 Maintenance #\d+ started: api until \d\d:\d\d UTC$/);

    const held = await ingestGroup(app, { key: 'm-1', alertname: 'DatabaseDown', service: 'api', severity: 'critical', summary: 'api cannot reach postgres' });
    const card = renderAlertCard(held, await app.ports.alerts.alerts(held.id), app.loaded.config, new Date());
    expect(card.title).toBe('Firing: DatabaseDown (api) · 🔧 during maintenance');
    expect(card.fields).toContainEqual({ label: 'Maintenance', value: expect.stringMatching(/^🔧 during maintenance until \d\d:\d\d UTC \(Postgres 16 upgrade\): no escalation, page or incident until then$/) });

    // The same alert on a service not under maintenance: escalated, paged and declared.
    const free = await ingestGroup(app, { key: 'm-2', alertname: 'DatabaseDown', service: 'gateway', severity: 'critical' });
    expect(renderAlertCard(free, [], app.loaded.config, new Date()).title).toBe('Firing: DatabaseDown (gateway)');
    const steps = await runEscalation(app.loaded.config, app.ports, later(60_000));
    expect(steps.map((s) => s.groupId)).toEqual([free.id]);
    await waitFor(async () => (await app.ports.alerts.get(free.id))?.incidentId, 30_000, "gateway's incident");
    await runEscalation(app.loaded.config, app.ports, later(10 * 60_000));

    const api = (await app.ports.alerts.get(held.id))!;
    expect(api.escalated).toEqual([]);
    expect(api.incidentId).toBeNull();
    expect(pd.events.map((e) => e.payload?.source ?? e.dedup_key)).not.toContain('api');
    const events = await app.ports.timeline.list({ invocationId: `alert-group:${held.id}` });
    expect(events.map((e) => e.kind)).toEqual(['alert.received', 'alert.held']);
    expect(events[1]!.text).toMatch(/^DatabaseDown \(api\) held by maintenance window #\d+ until \d\d:\d\d UTC: Postgres 16 upgrade$/);
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toContain('firebreak_alerts_held_total{reason="maintenance"} 1');

    const ended = await run('/maintenance end');
    expect(ended).toMatchObject({ status: 'ok', reply: { title: expect.stringMatching(/^🔧 Maintenance #\d+ ended: api$/) } });
  });

  it('/maintenance start and end are each one timeline event, with who ran them, however many replicas announce them', async () => {
    const started = await run('/maintenance start gateway 1h "TLS certificate rotation"');
    const id = /#(\d+)/.exec(started.reply.title)![1]!;
    const announce = async (at: Date) => (await announceMaintenance(app.loaded.config, { ...app.ports, maintenance: store() }, at)).filter((a) => a.window === id);
    // Two replicas' announcers: the start is posted in the alerts channel once, and not recorded again.
    expect([...(await announce(new Date())), ...(await announce(new Date()))]).toEqual([{ window: id, kind: 'start' }]);
    await run(`/maintenance end ${id}`);
    expect([...(await announce(new Date())), ...(await announce(new Date()))]).toEqual([{ window: id, kind: 'end' }]);
    const events = (await app.ports.timeline.list({ limit: 1000 })).filter((e) => e.kind.startsWith('maintenance.') && e.detail?.window === id);
    expect(events.map((e) => [e.kind, e.actor.name])).toEqual([
      ['maintenance.started', 'alice'],
      ['maintenance.ended', 'alice'],
    ]);
    const said = (await app.consoleMessages.changesSince(0, 'tester')).messages.map((m) => m.reply.title);
    expect(said.filter((t) => t === '🔧 Maintenance started: gateway: TLS certificate rotation')).toHaveLength(1);
    expect(said.filter((t) => t === '🔧 Maintenance ended: gateway: TLS certificate rotation')).toHaveLength(1);
  });

  it('when a window ends, the cards it marked lose "during maintenance" (or name the window still on), and are shown again', async () => {
    const now = Date.now();
    const cardVersion = async (groupId: string) => (await app.db.query<{ version: number }>("SELECT version FROM outbox WHERE message_key = $1 AND platform = 'console'", [`alert-group:${groupId}`]))[0]?.version ?? null;
    const w = await store().create({ configName: null, services: ['gateway'], reason: 'switch firmware', startsAt: new Date(now - 5 * 60_000), endsAt: new Date(now + 10 * 60_000), createdBy: 'alice', noticeH: 0 });
    const held = await ingestGroup(app, { key: 'm-5', alertname: 'LinkDown', service: 'gateway', severity: 'warning' });
    expect(held.maintenance?.id).toBe(w.id);
    const before = await cardVersion(held.id);
    const ended = await store().end(w.id!, new Date(), 'alice');
    expect(ended).not.toBeNull();
    // Until the announcer sees the end, the card is as it was; then its mark goes.
    await announceMaintenance(app.loaded.config, { ...app.ports, maintenance: store() }, new Date());
    const after = (await app.ports.alerts.get(held.id))!;
    expect(after.maintenance).toBeNull();
    const card = renderAlertCard(after, await app.ports.alerts.alerts(held.id), app.loaded.config, new Date());
    expect(card.title).toBe('Firing: LinkDown (gateway)');
    expect(card.fields?.some((f) => f.label === 'Maintenance')).toBe(false);
    expect(await cardVersion(held.id)).toBeGreaterThan(before ?? -1);

    // Two windows on at once: the one that ends first hands the card over to the other.
    const first = await store().create({ configName: null, services: ['gateway'], reason: 'rack move', startsAt: new Date(now - 60_000), endsAt: new Date(now + 60 * 60_000), createdBy: 'alice', noticeH: 0 });
    const second = await store().create({ configName: null, services: ['gateway'], reason: 'rack move, part 2', startsAt: new Date(now - 60_000), endsAt: new Date(now + 30 * 60_000), createdBy: 'alice', noticeH: 0 });
    const both = await ingestGroup(app, { key: 'm-6', alertname: 'FanFailure', service: 'gateway', severity: 'warning' });
    expect(both.maintenance?.id).toBe(first.id);
    await store().end(first.id!, new Date(), 'alice');
    await announceMaintenance(app.loaded.config, { ...app.ports, maintenance: store() }, new Date());
    const moved = (await app.ports.alerts.get(both.id))!;
    expect(moved.maintenance).toMatchObject({ id: second.id, reason: 'rack move, part 2' });
    expect(renderAlertCard(moved, [], app.loaded.config, new Date()).title).toBe('Firing: FanFailure (gateway) · 🔧 during maintenance');
    const events = await app.ports.timeline.list({ invocationId: `alert-group:${both.id}` });
    expect(events.filter((e) => e.kind === 'alert.held').map((e) => e.detail?.window)).toEqual([first.id, second.id]);
    // Still held by the second window: no incident reaction, no escalation yet.
    expect((await runEscalation(app.loaded.config, app.ports, new Date(now + 20 * 60_000))).filter((s) => s.groupId === both.id)).toEqual([]);
    await store().end(second.id!, new Date(), 'alice');
  });

  it('one still firing at the window’s end escalates from then, declares its incident, and the end is announced', async () => {
    const now = Date.now();
    const w = await store().create({ configName: null, services: ['api'], reason: 'kernel patching', startsAt: new Date(now - 30 * 60_000), endsAt: new Date(now + 10 * 60_000), createdBy: 'alice', noticeH: 0 });
    const group = await ingestGroup(app, { key: 'm-3', alertname: 'DatabaseDown', service: 'api', severity: 'critical', summary: 'still down' });
    expect(group.maintenance?.id).toBe(w.id);
    const announce = async (at: Date) => (await announceMaintenance(app.loaded.config, { ...app.ports, maintenance: store() }, at)).filter((a) => a.window === w.id);
    expect(await announce(new Date(now + 60_000))).toEqual([{ window: w.id, kind: 'start' }]);
    expect((await runEscalation(app.loaded.config, app.ports, new Date(now + 9 * 60_000))).filter((s) => s.groupId === group.id)).toEqual([]);

    // The window ends at now+10 min. At now+11 the first step (after 0 min) is due; the second
    // (after 5 min) is not, though the group fired 11 min ago: the clock starts at the end.
    const endAt = new Date(now + 11 * 60_000);
    expect(await announce(endAt)).toEqual([{ window: w.id, kind: 'end' }]);
    const steps = await runEscalation(app.loaded.config, app.ports, endAt);
    expect(steps.filter((s) => s.groupId === group.id).map((s) => [s.step, s.page])).toEqual([[0, { ok: true }]]);
    expect(pd.events.filter((e) => e.event_action === 'trigger' && e.dedup_key === 'm-3')).toHaveLength(1);
    expect((await runEscalation(app.loaded.config, app.ports, new Date(now + 14 * 60_000))).filter((s) => s.groupId === group.id)).toEqual([]);
    expect((await runEscalation(app.loaded.config, app.ports, new Date(now + 15 * 60_000))).filter((s) => s.groupId === group.id).map((s) => s.step)).toEqual([1]);
    await waitFor(async () => (await app.ports.alerts.get(group.id))?.incidentId, 30_000, 'the incident declared at the end');

    const said = (await app.consoleMessages.changesSince(0, 'tester')).messages.map((m) => m.reply.title);
    expect(said).toContain('🔧 Maintenance started: api: kernel patching');
    expect(said).toContain('🔧 Maintenance ended: api: kernel patching');
    const ended = (await app.consoleMessages.changesSince(0, 'tester')).messages.find((m) => m.reply.title === '🔧 Maintenance ended: api: kernel patching');
    expect(ended?.reply.text).toMatch(new RegExp(`^Still firing, and escalating normally from now: .*DatabaseDown \\(api, group ${group.id}\\)`, 'm'));
    const timeline = await app.ports.timeline.list({ invocationId: `maintenance:${w.id}` });
    expect(timeline.map((e) => e.kind)).toEqual(['maintenance.started', 'maintenance.ended']);
    // Announced once: a second pass (another replica) says nothing again.
    expect(await announce(endAt)).toEqual([]);
  });

  it('a configured window is announced notice_h before it starts', async () => {
    const config = { ...app.loaded.config, maintenance: [{ name: 'sunday-db', cron: '0 2 * * 0', duration: '2h', services: ['api'], reason: 'weekly database maintenance', notice_h: 48 }] };
    // Friday 01:59 UTC: not yet; Friday 02:00: 48 h before Sunday 02:00.
    expect(await announceMaintenance(config, { ...app.ports, maintenance: store() }, new Date('2030-01-04T01:59:00Z'))).toEqual([]);
    const noticed = await announceMaintenance(config, { ...app.ports, maintenance: store() }, new Date('2030-01-04T02:00:00Z'));
    expect(noticed.map((a) => a.kind)).toEqual(['notice']);
    const said = (await app.consoleMessages.changesSince(0, 'tester')).messages.map((m) => m.reply.title);
    expect(said).toContain('🔧 Maintenance in 48 h: api: weekly database maintenance');
    const stored = await store().get(noticed[0]!.window);
    expect(stored).toMatchObject({ configName: 'sunday-db', startsAt: new Date('2030-01-06T02:00:00Z'), endsAt: new Date('2030-01-06T04:00:00Z') });
  });

  it('bad input is one sentence and changes nothing; start and end need the responders role', async () => {
    const before = await store().overlapping(new Date(0), new Date('2100-01-01'));
    const cases: [string, RegExp][] = [
      ['/maintenance start api "no duration"', /^Give the window a duration such as 2h/],
      ['/maintenance start 2h "no service"', /^Name at least one service before the duration/],
      ['/maintenance start apii 2h "typo"', /^"apii" is not a service or datastore of this Firebreak/],
      ['/maintenance start api 2h', /^Say why in quotes after the duration/],
      ['/maintenance end abc', /^"abc" is not a maintenance window id/],
      ['/maintenance end 999999', /^There is no maintenance window #999999/],
    ];
    for (const [text, problem] of cases) {
      const r = await run(text);
      expect([text, r.status]).toEqual([text, 'invalid']);
      expect(r.reply.text).toMatch(problem);
      // One line: the problem, and where it helps the usage; never a stack or a list.
      expect(r.reply.text).not.toContain('\n');
    }
    expect((await run('/maintenance start api 2h "no role"', mallory)).status).toBe('denied');
    expect(await store().overlapping(new Date(0), new Date('2100-01-01'))).toEqual(before);
    expect((await run('/maintenance list')).status).toBe('ok');
  });
});

describe('firebreak run "/maintenance …" exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-maint-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A child left by a timed-out test would still hold the data dir's lock when the next test's child starts.
  const children = reapChildren();
  const firebreak = (text: string) =>
    children.track(
      execa(process.execPath, [resolve('bin/firebreak.js'), 'run', text, '--as', 'alice'], {
        cwd: dir,
        reject: false,
        timeout: 90_000,
        env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', HOME: dir },
        extendEnv: false,
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  it('bad input exits 2 with one sentence; a good start exits 0', async () => {
    writeFileSync(join(dir, 'firebreak.yml'), 'console: { allow_as: true }\nroles: { responders: ["console:alice"] }\nservices:\n  api: { health: { type: http, url: "http://127.0.0.1:9/health" } }\n');
    const bad = await firebreak('/maintenance start api forever "why"');
    expect(bad.code).toBe(2);
    expect(bad.stdout + bad.stderr).toContain('Give the window a duration such as 2h, 90m or 1h30m');
    const good = await firebreak('/maintenance start api 90m "Postgres upgrade"');
    expect([good.code, good.stdout]).toEqual([0, expect.stringContaining('Maintenance #1 started: api')]);
  }, 2 * 90_000 + 10_000);
});
