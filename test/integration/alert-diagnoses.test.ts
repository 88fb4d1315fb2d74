import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { SqlDiagnosisRepository } from '../../src/store/diagnosis-repository.js';
import { diagnosisParams, serviceDiagnosis } from '../../src/procedures/diagnose.js';
import { runUnattended } from '../../src/procedures/unattended-run.js';
import { DIAGNOSIS_ACTOR, diagnoseGroup } from '../../src/procedures/alert-diagnosis.js';
import { buildDraft } from '../../src/postmortems/draft-markdown.js';
import { alice, configFrom, testApp } from '../support/app.js';
import { fireGroup, notificationOf } from '../support/alerts.js';
import { routeFor } from '../../src/alerts/routing.js';

/**
 * The storm limit's decisions on embedded PGlite (what `npm start` runs on), and the label → param
 * rules that keep an alert label from adding an argument.
 */
const YAML = `
alerts:
  watch: { enabled: false }
  routes:
    - match: { service: api }
      diagnose: diagnose-api
    - match: { alertname: DbDown }
      diagnose: diagnose-db
actions:
  api-errors:
    description: errors
    read_only: true
    params:
      service: { type: string, pattern: "[a-z]+" }
    argv: [node, -e, "0", "{service}"]
procedures:
  diagnose-api:
    description: api
    params:
      service: { type: string, pattern: "[a-z]+" }
    steps:
      - run: /run api-errors service={labels.service}
  diagnose-db:
    description: db
    params:
      service: { type: enum, values: [billing], default: billing }
    steps:
      - run: /health
`;

describe('diagnoses on PGlite', () => {
  let app: App & { db: Db };
  beforeAll(async () => {
    app = await testApp(YAML);
  }, 120_000);
  afterAll(async () => app?.close());
  /** The group (fired by fireGroup, then resolved) fires again: a new alert start, as Alertmanager sends it. */
  const refire = async (id: string, alertname: string) => {
    const group = (await app.ports.alerts.get(id))!;
    const n = notificationOf({ alertname, service: 'api', firstFiredAt: new Date(), groupKey: group.groupKey }, 'firing');
    const r = await app.ports.alerts.ingest(n, routeFor(app.loaded.config, n), ['console']);
    expect(r.transition).toBe('refired');
    return r.group;
  };

  it('decides once per group: run while under max_concurrent, wait at it, storm once the minute is spent', async () => {
    const repo = new SqlDiagnosisRepository(app.db);
    const limits = { maxConcurrent: 1, perMinute: 2 };
    const groups = [];
    for (let i = 0; i < 4; i++) groups.push(await fireGroup(app.ports.alerts, app.loaded.config, { alertname: `E${i}`, service: 'api', firstFiredAt: new Date() }, ['console']));
    const undecided = await repo.undecided([0], new Date(Date.now() - 60_000), 10);
    expect(undecided.map((g) => g.id)).toEqual(groups.map((g) => g.id));
    expect(undecided[0]!.labels.service).toBe('api');
    expect(undecided.every((g) => g.episode === 1)).toBe(true);
    expect(await repo.decide(groups[0]!.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('run');
    expect(await repo.decide(groups[0]!.id, 1, 'diagnose-api', limits, 'r2', ['console'])).toBe('taken');
    expect(await repo.decide(groups[1]!.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('wait');
    // Another holder's settle changes nothing; the claim's own does.
    expect(await repo.settle({ groupId: groups[0]!.id, episode: 1, holder: 'r2' }, 'diagnose-api', 'done', null, 'run-1', ['console'])).toBe(false);
    expect(await repo.settle({ groupId: groups[0]!.id, episode: 1, holder: 'r1' }, 'diagnose-api', 'done', null, 'run-1', ['console'])).toBe(true);
    expect(await repo.decide(groups[1]!.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('run');
    expect(await repo.decide(groups[2]!.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('storm');
    // The card reads it: the group carries its diagnosis.
    expect((await app.ports.alerts.get(groups[2]!.id))?.diagnosis).toEqual({ state: 'storm', note: 'more than 2 a minute' });
    // A person's Diagnose takes a stormed group whatever the limit, once.
    expect(await repo.claimByPerson(groups[2]!.id, 'diagnose-api', 'console:alice', ['console'])).toBe(1);
    expect(await repo.claimByPerson(groups[2]!.id, 'diagnose-api', 'console:bob', ['console'])).toBeNull();
    expect((await repo.undecided([0], new Date(Date.now() - 60_000), 10)).map((g) => g.id)).toEqual([groups[3]!.id]);
  }, 60_000);

  it('a group that resolves and fires again is diagnosed again, under the same storm limit; the old firing’s outcome is not shown as the new one’s', async () => {
    const repo = new SqlDiagnosisRepository(app.db);
    const limits = { maxConcurrent: 5, perMinute: 100 };
    const g = await fireGroup(app.ports.alerts, app.loaded.config, { alertname: 'Flappy', service: 'api', firstFiredAt: new Date() }, ['console']);
    expect(await repo.decide(g.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('run');
    // Fired again while the first firing's diagnosis still runs: that one ends first (its report is about its firing).
    await g.resolve(new Date());
    const again = await refire(g.id, 'Flappy');
    expect(again.episode).toBe(2);
    expect(again.diagnosis).toBeUndefined();
    const undecided = () => repo.undecided([0], new Date(Date.now() - 60_000), 50).then((gs) => gs.filter((x) => x.id === g.id));
    expect(await undecided()).toEqual([]);
    // A decision read for the first firing is not taken for the second.
    expect(await repo.decide(g.id, 1, 'diagnose-api', limits, 'r1', ['console'])).toBe('taken');
    await repo.settle({ groupId: g.id, episode: 1, holder: 'r1' }, 'diagnose-api', 'done', null, 'run-a', ['console']);
    expect((await app.ports.alerts.get(g.id))?.diagnosis).toBeUndefined();
    expect(await undecided()).toEqual([expect.objectContaining({ id: g.id, episode: 2 })]);
    expect(await repo.decide(g.id, 2, 'diagnose-api', limits, 'r2', ['console'])).toBe('run');
    expect(await repo.decide(g.id, 2, 'diagnose-api', limits, 'r1', ['console'])).toBe('taken');
    expect((await app.ports.alerts.get(g.id))?.diagnosis).toEqual({ state: 'running', note: null });
    await repo.settle({ groupId: g.id, episode: 2, holder: 'r2' }, 'diagnose-api', 'failed', null, 'run-b', ['console']);
    expect((await app.ports.alerts.get(g.id))?.diagnosis).toEqual({ state: 'failed', note: null });

    // A third firing while this minute's budget is spent: marked storm like any new group, with Diagnose.
    await g.resolve(new Date());
    await refire(g.id, 'Flappy');
    expect(await repo.decide(g.id, 3, 'diagnose-api', { maxConcurrent: 5, perMinute: 1 }, 'r1', ['console'])).toBe('storm');
    expect((await app.ports.alerts.get(g.id))?.diagnosis).toEqual({ state: 'storm', note: 'more than 1 a minute' });
    expect(await repo.claimByPerson(g.id, 'diagnose-api', 'console:alice', ['console'])).toBe(3);
  }, 60_000);

  it('never lets a label add an argument: a value with a space or a leading dash, or off the param pattern, runs nothing', async () => {
    const p = app.loaded.config.procedures['diagnose-api']!;
    expect(diagnosisParams(p, { service: 'api', alertname: 'x y' })).toEqual({ ok: true, params: { service: 'api' } });
    expect(diagnosisParams(p, { service: 'api --all-namespaces' })).toMatchObject({ ok: false, why: expect.stringContaining('label service is not one plain word') });
    expect(diagnosisParams(p, { service: '--kubeconfig=/tmp/x' })).toMatchObject({ ok: false });
    // One word, but not what the param accepts: refused by the param's own pattern before planning.
    const r = await runUnattended(app.loaded.config, app.ports, { procedure: 'diagnose-api', actor: { platform: 'system', id: 'diagnose', name: 'diagnosis on arrival' }, trigger: 'test', params: { service: 'API_2' }, show: async () => {} });
    expect(r.kind).toBe('refused');
    expect(await app.db.query("SELECT id FROM procedure_runs WHERE procedure = 'diagnose-api'")).toEqual([]);
  }, 60_000);

  it('an incident opened from the card after the diagnosis ran: its post-mortem lists the diagnosis steps under "What we ran"', async () => {
    const repo = new SqlDiagnosisRepository(app.db);
    const g = await fireGroup(app.ports.alerts, app.loaded.config, { alertname: 'LateIncident', service: 'api', firstFiredAt: new Date() }, ['console']);
    expect(g.incidentId).toBeNull();
    expect(await repo.decide(g.id, 1, 'diagnose-api', { maxConcurrent: 5, perMinute: 100 }, 'r1', ['console'])).toBe('run');
    const r = await diagnoseGroup(app.loaded.config, app.ports, repo, g.id, 'diagnose-api', { claim: { episode: 1, holder: 'r1' }, actor: DIAGNOSIS_ACTOR, trigger: 'alert group fired', cardWaitMs: 0 });
    expect(r.outcome).toBe('ok');
    // Open incident pressed on the card afterwards (the route has no `incident:`).
    const incidents = await app.consoleMessages.ensureChannel('incidents');
    const pressed = await app.dispatcher.dispatch({ actor: alice, channel: { platform: 'console', id: incidents.id, name: 'incidents' }, input: { kind: 'action', actionId: `inc-open:${g.id}` } });
    expect(pressed.status).toBe('ok');
    const incidentId = (await app.ports.alerts.get(g.id))!.incidentId!;
    expect(incidentId).toBeTruthy();
    const md = buildDraft((await app.drafts.source.load(incidentId))!);
    const ran = md.slice(md.indexOf('## What we ran'), md.indexOf('\n## ', md.indexOf('## What we ran') + 3));
    expect(ran).not.toContain('No commands or buttons were');
    // One run, requested by the diagnosis, with its step's command line and output.
    expect(ran).toMatch(/\| 1 \| [^|]+ \| step 1 of procedure diagnose-api[^|]*\| diagnosis on arrival \|/);
    expect(ran).toContain('Requested by diagnosis on arrival');
    expect(ran).toContain('api-errors');
    // The timeline says where the run came from.
    expect(md).toMatch(/Diagnosis \(read-only\): diagnosis diagnose-api of alert group \d+ started \(alert group fired\) \(run 1\)/);
  }, 60_000);

  it('/diagnose SERVICE: a route naming the service, else a procedure whose service param takes it', () => {
    const config = configFrom(YAML).config;
    expect(serviceDiagnosis(config, 'api')).toEqual({ procedure: 'diagnose-api', route: 0 });
    expect(serviceDiagnosis(config, 'billing')).toEqual({ procedure: 'diagnose-db', route: 1 });
    expect(serviceDiagnosis(config, 'search')).toBeNull();
  });
});
