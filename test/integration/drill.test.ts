import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import { drillNotification } from '../../src/alerts/drill-alert.js';
import { runEscalation } from '../../src/alerts/escalation.js';
import { runDrill } from '../../src/alerts/drill.js';
import type { AlertsPorts } from '../../src/alerts/ports.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import { DrillScheduler } from '../../src/scheduler/drill-scheduler.js';
import type { AppPorts } from '../../src/app/ports.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';
import { createTestDatabase } from '../support/postgres.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { migrate } from '../../src/store/migrate.js';
import type { Db } from '../../src/store/db.js';

/**
 * /drill on the console platform, end to end in one process: the real ingestion, the alert outbox
 * worker posting the card into the console's store, the escalation steps, PagerDuty (a local fake)
 * and incidents. Every hop is reported; nothing is paged without --page; the card ends resolved;
 * no incident is left open. A scheduled drill's slot runs once with two schedulers racing.
 */
const KEY = 'drillroutingkey00000000000000000';
const yaml = (pdUrl: string) => `
chat: { incidents_channel: incidents }
roles:
  responders: ["console:alice"]
services:
  api: { health: { type: http, url: "http://127.0.0.1:9/health" } }
alerts:
  watch: { enabled: false }
  channel: alerts
  pagerduty: { routing_key: ${KEY}, api_url: "${pdUrl}" }
  routes:
    - { match: { alertname: ProviderDown }, severity: critical, incident: sev1 }
    - { match: { alertname: HighErrorRate, service: api }, severity: high }
    - { match_re: { alertname: "Disk.*" } }
  escalation:
    - { after_min: 5, mention: ["console:bob"], severities: [critical, high] }
    - { after_min: 15, pagerduty: true, severities: [critical] }
incidents:
  paging: { severities: [sev1] }
drills:
  - { name: quarterly-dr, cron: "0 10 1 1,4,7,10 *", route: ProviderDown }
`;

describe('/drill on the console', () => {
  let pd: FakePagerDuty;
  let app: Awaited<ReturnType<typeof testApp>>;
  let outbox: OutboxWorker;
  const run = (text: string, actor = alice) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text } });
  const channelMessages = async (name: string) => {
    const all = (await app.consoleMessages.recent('alice', 500)).messages;
    return all.filter((m) => m.channel?.name === name);
  };

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
    app = await testApp(yaml(pd.url));
    outbox = buildAlertOutboxWorker(app, { pollMs: 100 });
    outbox.start();
  }, 120_000);
  afterAll(async () => {
    await outbox?.stop();
    await app?.close();
    await pd?.close();
  });

  it('reports every hop, pages nobody, mentions nobody, leaves the card resolved and no incident open', async () => {
    const out = await run('/drill ProviderDown');
    expect(out.status).toBe('ok');
    const text = out.reply.text ?? '';
    expect(out.reply.title).toMatch(/^🧪 DRILL: the alert path works \(\d+(\.\d)? m?s\)$/);
    expect(text).toMatch(/✅ webhook stored alert group \d+ in #alerts in \d+(\.\d)? m?s/);
    expect(text).toMatch(/✅ card posted on console in \d+(\.\d)? m?s/);
    expect(text).toMatch(/✅ escalation step 1 would mention @bob after 5 min \(posted in \d+(\.\d)? m?s\)/);
    expect(text).toMatch(/✅ escalation step 2 would page PagerDuty \(not paged without --page\) after 15 min/);
    expect(text).toMatch(/✅ card shows it resolved in/);
    expect(text).toContain('Nothing was paged');
    expect(out.reply.context).toMatch(/route 1 \(ProviderDown\) · by alice/);

    // Nothing reached PagerDuty, and the route's incident: sev1 declared nothing.
    expect(pd.requests).toHaveLength(0);
    expect(await app.ports.incidents.listOpen()).toHaveLength(0);

    // The card in #alerts: marked DRILL and resolved; the escalation message says whom it would mention, mentioning nobody.
    const alerts = await channelMessages('alerts');
    const card = alerts.find((m) => m.reply.title.includes('ProviderDown') && m.reply.context?.startsWith('drill · alert group'));
    expect(card?.reply.title).toBe('🧪 DRILL · Resolved: ProviderDown');
    const step = alerts.find((m) => m.reply.title.startsWith('🧪 DRILL · ProviderDown unacknowledged for 5 min'));
    expect(step?.reply.text).toContain('Would mention @bob (not mentioned: this is a drill).');
    expect(step?.reply.mentions ?? []).toEqual([]);
    expect(await app.ports.alerts.firing()).toHaveLength(0);

    // The report is a timeline event, and the alert's own events say DRILL.
    const events = await app.ports.timeline.list({ limit: 1000, newest: true });
    const report = events.filter((e) => e.kind === 'drill.reported').at(-1);
    expect(report?.text).toBe(out.reply.title);
    expect(report?.output).toContain('escalation step 1 would mention @bob');
    const alertEvents = events.filter((e) => e.kind.startsWith('alert.') && e.detail.groupKey !== undefined && String(e.detail.groupKey).startsWith('drill:'));
    expect(alertEvents.length).toBeGreaterThanOrEqual(3);
    for (const e of alertEvents) expect(e.text).toMatch(/^🧪 DRILL · /);

    // Each hop is timed in firebreak_drill_hop_seconds{hop}.
    const metrics = await app.metrics.registry.metrics();
    for (const hop of ['stored', 'card_posted', 'escalation_step', 'alert_resolved', 'card_resolved']) expect(metrics).toMatch(new RegExp(`^firebreak_drill_hop_seconds_count\\{hop="${hop}"\\} [1-9]`, 'm'));
  }, 60_000);

  it('--page pages PagerDuty once, its summary saying DRILL, and resolves the page at cleanup', async () => {
    const before = pd.events.length;
    const out = await run('/drill ProviderDown --page');
    expect(out.status).toBe('ok');
    expect(out.reply.text).toMatch(/escalation step 2 paged PagerDuty \(DRILL\) after 15 min/);
    await waitFor(() => pd.events.length >= before + 2, 20_000, 'the page and its resolve');
    const mine = pd.events.slice(before);
    const triggers = mine.filter((e) => e.event_action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.payload?.summary).toMatch(/^DRILL: ProviderDown unacknowledged for 15 min/);
    expect(pd.incidents.get(triggers[0]!.dedup_key!)).toBe('resolved');
    expect(await app.ports.incidents.listOpen()).toHaveLength(0);
  }, 60_000);

  it('--incident declares a DRILL incident without paging it and resolves it; --keep keeps it', async () => {
    const before = pd.requests.length;
    const out = await run('/drill ProviderDown --incident');
    expect(out.status).toBe('ok');
    const declared = /incident (INC-\d+) declared/.exec(out.reply.text ?? '');
    expect(declared).not.toBeNull();
    expect(out.reply.text).toContain(`incident ${declared![1]} resolved`);
    const incident = await app.ports.incidents.get(declared![1]!);
    expect(incident?.title).toMatch(/^🧪 DRILL · ProviderDown/);
    expect(incident?.status).toBe('resolved');
    expect(await app.ports.incidents.listOpen()).toHaveLength(0);
    expect(pd.requests.length).toBe(before);

    const kept = await run('/drill ProviderDown --incident --keep');
    const id = /incident (INC-\d+) declared/.exec(kept.reply.text ?? '')![1]!;
    expect(kept.reply.text).toContain(`incident ${id} kept open`);
    expect((await app.ports.incidents.listOpen()).map((i) => i.id)).toEqual([id]);
    await run(`/incident resolve ${id}`);
  }, 60_000);

  it('a failure between hops is reported under the hop that was running, and the drill still cleans up', async () => {
    // The store fails once, on the read that starts the escalation hop (after the card is posted).
    let failNext = false;
    const alerts = Object.create(app.ports.alerts) as AlertsPorts['alerts'];
    alerts.get = async (id: string) => {
      if (failNext) {
        failNext = false;
        throw new Error('connection terminated unexpectedly');
      }
      return app.ports.alerts.get(id);
    };
    const ports: AlertsPorts = { ...app.ports, alerts };
    const alert = { id: 'between-hops', route: 0, labels: { alertname: 'ProviderDown', severity: 'critical' }, startsAt: new Date(), by: 'a test' };
    const r = await runDrill(
      { config: app.loaded.config, ports, ingest: (n) => ingestNotification(app.ports, app.loaded.config, n), cardWaitMs: 20_000, pollMs: 100 },
      {
        alert,
        actor: alice,
        invocationId: 'drill-between-hops',
        show: async (report) => {
          if (/card posted on/.test(report.text ?? '') && !/escalation/.test(report.text ?? '')) failNext = true;
        },
      },
      { page: false, incident: false, keepIncident: false },
    );
    expect(r.ok).toBe(false);
    const failed = r.hops.filter((h) => !h.ok);
    expect(failed).toEqual([{ hop: 'escalation_step', ok: false, ms: null, text: 'the drill stopped at its escalation hop: connection terminated unexpectedly' }]);
    expect(r.hops.find((h) => h.hop === 'stored')?.ok).toBe(true);
    expect(r.report.text).toContain('❌ the drill stopped at its escalation hop: connection terminated unexpectedly');
    // Cleaned up all the same.
    expect(r.hops.map((h) => h.hop)).toEqual(['stored', 'card_posted', 'escalation_step', 'alert_resolved', 'card_resolved']);
    expect((await app.ports.alerts.get(r.groupId!))?.status).toBe('resolved');
  }, 60_000);

  it('an alert the cleanup cannot resolve says the drill sweep will, not to rerun a drill id /drill does not take', async () => {
    const ingest = (n: Parameters<typeof ingestNotification>[2]) => (n.status === 'resolved' ? Promise.reject(new Error('the store is away')) : ingestNotification(app.ports, app.loaded.config, n));
    const alert = { id: 'unresolvable', route: 0, labels: { alertname: 'ProviderDown', severity: 'critical' }, startsAt: new Date(), by: 'a test' };
    const r = await runDrill({ config: app.loaded.config, ports: app.ports, ingest, cardWaitMs: 20_000, pollMs: 100 }, { alert, actor: alice, invocationId: 'drill-unresolvable' }, { page: false, incident: false, keepIncident: false });
    expect(r.hops.find((h) => h.hop === 'alert_resolved')).toEqual({
      hop: 'alert_resolved',
      ok: false,
      ms: null,
      text: 'the alert could not be resolved: the store is away; it stays firing until the drill sweep resolves it (and its incident, unless kept), within 5½ minutes of the drill’s start',
    });
    expect(r.report.text).not.toContain('drill id');
    await ingestNotification(app.ports, app.loaded.config, drillNotification(alert, 'resolved', new Date()));
  }, 60_000);

  it('bad input is one sentence and changes nothing; only responders may drill', async () => {
    const groupsBefore = (await app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'alert.received').length;
    const unknown = await run('/drill NoSuchRoute');
    expect(unknown.status).toBe('invalid');
    expect(unknown.reply.text).toBe('"NoSuchRoute" is not an alert route: name one by its number (1–3) or by the alertname or service its match names (ProviderDown, HighErrorRate).');
    const keep = await run('/drill ProviderDown --keep');
    expect(keep.status).toBe('invalid');
    expect(keep.reply.text).toMatch(/^--keep keeps the drill’s incident open, so it needs --incident/);
    const denied = await run('/drill ProviderDown', mallory);
    expect(denied.status).toBe('denied');
    expect(denied.reply.text).toMatch(/needs the "responders" role/);
    expect((await app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'alert.received').length).toBe(groupsBefore);
  });

  it('a drill group left firing (its drill died) is never escalated by the escalation job: nobody is mentioned or paged for it', async () => {
    const alert = { id: 'orphan-1', route: 0, labels: { alertname: 'ProviderDown', severity: 'critical' }, startsAt: new Date(Date.now() - 3_600_000), by: 'a test' };
    const stored = await ingestNotification(app.ports, app.loaded.config, drillNotification(alert, 'firing', new Date()));
    const requests = pd.requests.length;
    const done = await runEscalation(app.loaded.config, app.ports, new Date());
    expect(done.filter((d) => d.groupId === stored.group.id)).toEqual([]);
    expect((await app.ports.alerts.get(stored.group.id))?.escalated).toEqual([]);
    expect(pd.requests.length).toBe(requests);
    await ingestNotification(app.ports, app.loaded.config, drillNotification(alert, 'resolved', new Date()));
  });

  it('a scheduled drill slot runs once with two schedulers racing, and reports in the incidents channel', async () => {
    const ingest = (n: Parameters<typeof ingestNotification>[2]) => ingestNotification(app.ports, app.loaded.config, n);
    const a = new DrillScheduler<AppPorts>(app.loaded.config, app.ports, { ingest });
    const b = new DrillScheduler<AppPorts>(app.loaded.config, app.ports, { ingest });
    const slot = new Date('2027-01-01T10:00:00.000Z');
    const [ra, rb] = await Promise.all([a.fire('quarterly-dr', slot), b.fire('quarterly-dr', new Date(slot.getTime() + 400))]);
    const kinds = [ra.kind, rb.kind].sort();
    expect(kinds).toEqual(['ran', 'slot-taken']);
    const ran = ra.kind === 'ran' ? ra : rb;
    expect(ran.kind === 'ran' && ran.ok).toBe(true);
    const reports = (await channelMessages('incidents')).filter((m) => m.reply.title.startsWith('🧪 DRILL quarterly-dr'));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.reply.title).toMatch(/^🧪 DRILL quarterly-dr: the alert path works/);
    expect(reports[0]!.reply.context).toContain('by drill schedule');
    const recorded = (await app.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'drill.reported' && e.detail.name === 'quarterly-dr');
    expect(recorded).toHaveLength(1);
    expect(await app.ports.alerts.firing()).toHaveLength(0);
    await a.stop();
    await b.stop();
  }, 60_000);
});

describe('a scheduled drill on two replicas (PostgreSQL)', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[] = [];
  let apps: Awaited<ReturnType<typeof testApp>>[] = [];
  let outboxes: OutboxWorker[] = [];

  beforeAll(async () => {
    t = await createTestDatabase('fb_drill_replicas');
    dbs = await Promise.all([0, 1].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
    const yaml = `
alerts:
  watch: { enabled: false }
  routes:
    - { match: { alertname: ProviderDown }, severity: critical }
  escalation:
    - { after_min: 5, mention: ["console:bob"] }
drills:
  - { name: quarterly-dr, cron: "0 10 1 1,4,7,10 *", route: ProviderDown }
`;
    apps = await Promise.all(dbs.map((db) => testApp(yaml, { db })));
    outboxes = apps.map((a) => buildAlertOutboxWorker(a, { pollMs: 100 }));
    for (const o of outboxes) o.start();
  }, 120_000);
  afterAll(async () => {
    for (const o of outboxes) await o.stop();
    for (const a of apps) await a.close();
    for (const d of dbs) await d.close();
    await t?.drop();
  });

  it('both replicas fire the same slot: it runs once, one card and one report, and ends resolved', async () => {
    const schedulers = apps.map((a) => new DrillScheduler<AppPorts>(a.loaded.config, a.ports, { ingest: (n) => ingestNotification(a.ports, a.loaded.config, n) }));
    const slot = new Date('2027-04-01T10:00:00.000Z');
    const outcomes = await Promise.all(schedulers.map((s, i) => s.fire('quarterly-dr', new Date(slot.getTime() + i * 250))));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['ran', 'slot-taken']);
    const ran = outcomes.find((o) => o.kind === 'ran');
    expect(ran).toMatchObject({ kind: 'ran', ok: true });
    const messages = (await apps[0]!.consoleMessages.recent('alice', 500)).messages;
    expect(messages.filter((m) => m.channel?.name === 'incidents' && m.reply.title.startsWith('🧪 DRILL quarterly-dr:'))).toHaveLength(1);
    expect(messages.filter((m) => m.reply.title === '🧪 DRILL · Resolved: ProviderDown')).toHaveLength(1);
    expect((await apps[1]!.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'drill.reported')).toHaveLength(1);
    expect(await apps[1]!.ports.alerts.firing()).toEqual([]);
    for (const s of schedulers) await s.stop();
  }, 90_000);
});
