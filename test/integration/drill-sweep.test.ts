import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestResult } from '../../src/alerts/alert-store.js';
import { runDrill, type DrillResult } from '../../src/alerts/drill.js';
import { planDrillAlert } from '../../src/alerts/drill-alert.js';
import type { SweptDrill } from '../../src/alerts/drill-sweep.js';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { AlertNotification } from '../../src/alerts/model.js';
import type { OutboxWorker } from '../../src/alerts/outbox-worker.js';
import { drillIncidents } from '../../src/incidents/drill-incident.js';
import { buildAlertOutboxWorker } from '../../src/main.js';
import { DrillSweeper } from '../../src/scheduler/drill-sweeper.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { migrate } from '../../src/store/migrate.js';
import type { Db } from '../../src/store/db.js';
import { alice, consoleChan, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * A drill whose runner stops mid-drill (its process died) is cleaned up by the drill sweep of any
 * replica: two replicas on one PostgreSQL database, each with its alert outbox and its sweeper. The
 * runner is the real runDrill, stopped for good at its cleanup — the moment after which nothing of
 * it runs again — so the store holds exactly what a process killed there leaves: the DRILL card
 * firing and, with --incident, the drill's incident open. Both sweepers then pass at once.
 */
const yaml = `
roles:
  responders: ["console:alice"]
alerts:
  watch: { enabled: false }
  channel: alerts
  routes:
    - { match: { alertname: ProviderDown }, severity: critical }
  escalation:
    - { after_min: 5, mention: ["console:bob"] }
`;

type App = Awaited<ReturnType<typeof testApp>>;

describe('the drill sweep, two replicas on PostgreSQL', () => {
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[] = [];
  let apps: App[] = [];
  let outboxes: OutboxWorker[] = [];
  const ingestOf = (a: App) => (n: AlertNotification) => ingestNotification(a.ports, a.loaded.config, n);
  // Each replica's sweeper, a drill counting as abandoned 1 s after its start (instead of 5 min); passes run by the test.
  const sweepers = () => apps.map((a) => new DrillSweeper(a.loaded.config, a.ports, { ingest: ingestOf(a) }, { everyMs: 3_600_000, abandonedAfterMs: 1_000 }));

  /**
   * Runs a drill on replica 0 until its cleanup begins, where its runner stops for good (the
   * resolution it was about to store never is). Resolves when it got there.
   */
  async function drillThatDies(opts: { incident: boolean; keepIncident: boolean }): Promise<{ groupId: string; incidentId: string | null; drill: string; never: Promise<DrillResult> }> {
    const app = apps[0]!;
    const id = `sweep-${Math.random().toString(36).slice(2, 8)}`;
    const plan = planDrillAlert(app.loaded.config, 'ProviderDown', id, 'alice', new Date());
    if (!plan.ok) throw new Error(plan.why);
    let died!: () => void;
    const atCleanup = new Promise<void>((resolve) => (died = resolve));
    const ingest = (n: AlertNotification): Promise<IngestResult> => {
      if (n.status === 'resolved') {
        died();
        return new Promise<IngestResult>(() => {});
      }
      return ingestOf(app)(n);
    };
    const never = runDrill(
      { config: app.loaded.config, ports: app.ports, ingest, incidents: drillIncidents(app.loaded.config, app.ports), pollMs: 50 },
      { alert: plan.alert, actor: alice, invocationId: `test-${id}` },
      { route: 'ProviderDown', page: false, ...opts },
    );
    await atCleanup;
    const [group] = await app.ports.alerts.firing({ source: 'drill' });
    expect(group?.groupKey).toBe(`drill:${id}`);
    return { groupId: group!.id, incidentId: group!.incidentId, drill: id, never };
  }

  const consoleMessages = async (a: App) => (await a.consoleMessages.recent('alice', 500)).messages;
  const sweptEvents = async (a: App, drill: string) => (await a.ports.timeline.list({ invocationId: `drill:${drill}` })).filter((e) => e.kind === 'drill.reported');
  const resolvedEvents = async (a: App, groupId: string) => (await a.ports.timeline.list({ invocationId: `alert-group:${groupId}` })).filter((e) => e.kind === 'alert.resolved');

  beforeAll(async () => {
    t = await createTestDatabase('fb_drill_sweep');
    dbs = await Promise.all([0, 1].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
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

  it('a --incident drill that died: resolved once by one of two racing sweepers, its card resolved, its incident resolved, one event', async () => {
    const d = await drillThatDies({ incident: true, keepIncident: false });
    expect(d.incidentId).not.toBeNull();
    expect((await apps[1]!.ports.incidents.get(d.incidentId!))?.status).not.toBe('resolved');

    // Within 5 minutes of its start the drill may still be alive: the default deadline sweeps nothing.
    const patient = new DrillSweeper(apps[1]!.loaded.config, apps[1]!.ports, { ingest: ingestOf(apps[1]!) });
    expect(await patient.tick()).toEqual({ swept: [] });
    await patient.stop();
    expect((await apps[1]!.ports.alerts.get(d.groupId))?.status).toBe('firing');

    await waitFor(async () => Date.now() - (await apps[0]!.ports.alerts.get(d.groupId))!.firstFiredAt.getTime() > 1_200, 10_000, 'the 1 s deadline to pass');
    const [a, b] = sweepers();
    const results = (await Promise.all([a!.tick(), b!.tick()])) as { swept: SweptDrill[] }[];
    const swept = results.flatMap((r) => r.swept);
    expect(swept).toEqual([{ drill: d.drill, groupId: d.groupId, incidentId: d.incidentId, incident: 'resolved' }]);

    // What is stored: the group resolved (once: the other replica's resolution was a repeat), the incident resolved by the sweep.
    expect((await apps[1]!.ports.alerts.get(d.groupId))?.status).toBe('resolved');
    expect(await apps[1]!.ports.alerts.firing({ source: 'drill' })).toEqual([]);
    expect(await resolvedEvents(apps[1]!, d.groupId)).toHaveLength(1);
    expect((await apps[1]!.ports.incidents.get(d.incidentId!))?.status).toBe('resolved');
    expect(await apps[1]!.ports.incidents.listOpen()).toEqual([]);

    // One timeline event saying the sweep cleaned up because the runner stopped, on the incident's timeline too.
    const events = await sweptEvents(apps[1]!, d.drill);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: { platform: 'system', id: 'drill-sweep', name: 'drill sweep' },
      incidentId: d.incidentId,
      outcome: 'interrupted',
      text: '🧪 DRILL: cleaned up by the drill sweep — the process running it stopped before the drill ended',
      detail: { drill: d.drill, swept: true, group: d.groupId, incident: d.incidentId, incidentOutcome: 'resolved' },
    });
    expect(events[0]!.output).toBe(`alert group ${d.groupId} resolved: it was still firing <1 min after the drill started\nincident ${d.incidentId} resolved`);
    const onIncident = await apps[0]!.ports.timeline.list({ incidentId: d.incidentId! });
    expect(onIncident.filter((e) => e.kind === 'drill.reported')).toHaveLength(1);
    expect(onIncident.find((e) => e.kind === 'incident.status')?.actor.name).toBe('drill sweep');

    // What people see: the one DRILL card, updated in place to resolved, saying why.
    const card = await waitFor(
      async () => (await consoleMessages(apps[0]!)).find((m) => m.reply.context?.endsWith(`alert group ${d.groupId}`) && m.reply.title === '🧪 DRILL · Resolved: ProviderDown'),
      30_000,
      'the DRILL card shown resolved',
    );
    expect(JSON.stringify(card.reply)).toContain('the drill sweep resolved it');
    expect((await consoleMessages(apps[0]!)).filter((m) => m.reply.context?.endsWith(`alert group ${d.groupId}`))).toHaveLength(1);

    // Later passes find nothing more to do.
    const again = (await Promise.all(sweepers().map((s) => s.tick()))) as { swept: SweptDrill[] }[];
    expect(again.flatMap((r) => r.swept)).toEqual([]);
    expect(await sweptEvents(apps[0]!, d.drill)).toHaveLength(1);
  }, 90_000);

  it('a --incident --keep drill that died: the alert is resolved, the incident kept open as asked, and the event says so', async () => {
    const d = await drillThatDies({ incident: true, keepIncident: true });
    await waitFor(async () => Date.now() - (await apps[0]!.ports.alerts.get(d.groupId))!.firstFiredAt.getTime() > 1_200, 10_000, 'the 1 s deadline to pass');
    const results = (await Promise.all(sweepers().map((s) => s.tick()))) as { swept: SweptDrill[] }[];
    expect(results.flatMap((r) => r.swept)).toEqual([{ drill: d.drill, groupId: d.groupId, incidentId: d.incidentId, incident: 'kept' }]);
    expect((await apps[0]!.ports.alerts.get(d.groupId))?.status).toBe('resolved');
    expect((await apps[0]!.ports.incidents.listOpen()).map((i) => i.id)).toEqual([d.incidentId]);
    const events = await sweptEvents(apps[0]!, d.drill);
    expect(events).toHaveLength(1);
    expect(events[0]!.output).toContain(`incident ${d.incidentId} kept open, as the drill asked`);
    await apps[0]!.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: `/incident resolve ${d.incidentId}` } });
  }, 90_000);

  it('a drill that finished by itself is left alone', async () => {
    const out = await apps[1]!.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/drill ProviderDown --incident' } });
    expect(out.status).toBe('ok');
    await new Promise((r) => setTimeout(r, 1_200));
    const results = (await Promise.all(sweepers().map((s) => s.tick()))) as { swept: SweptDrill[] }[];
    expect(results.flatMap((r) => r.swept)).toEqual([]);
    expect((await apps[0]!.ports.timeline.list({ limit: 10_000 })).filter((e) => e.kind === 'drill.reported' && e.detail.swept === true)).toHaveLength(2);
  }, 90_000);
});

describe('/drill wakes the alert outbox like a webhook does', () => {
  let app: App;
  let outbox: OutboxWorker;
  beforeAll(async () => {
    app = await testApp(yaml);
    // It reads the outbox at start, then not for 10 minutes unless woken: only the drill's poke can post its card in time.
    outbox = buildAlertOutboxWorker(app, { pollMs: 600_000 });
    outbox.start();
  }, 120_000);
  afterAll(async () => {
    await outbox?.stop();
    await app?.close();
  });

  it('the card is posted and shown resolved without waiting for a poll', async () => {
    const out = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/drill ProviderDown' } });
    expect(out.reply.text).toMatch(/✅ card posted on console in /);
    expect(out.reply.text).toMatch(/✅ card shows it resolved in /);
    expect(out.status).toBe('ok');
  }, 150_000);
});
