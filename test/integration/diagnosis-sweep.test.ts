import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import type { AlertGroup } from '../../src/alerts/model.js';
import { DIAGNOSIS_ACTOR, diagnoseGroup, sweepInterruptedDiagnoses, showDiagnosisReport } from '../../src/procedures/alert-diagnosis.js';
import { DiagnosisSweeper } from '../../src/scheduler/diagnosis-sweeper.js';
import { SqlDiagnosisRepository } from '../../src/store/diagnosis-repository.js';
import { alice, configFrom, consoleChan, testRuntime } from '../support/app.js';
import { fireGroup } from '../support/alerts.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

/**
 * A diagnosis whose replica died mid-run, on PostgreSQL with a running Firebreak (its outbox posts
 * the cards on the console). The dead replica is what it leaves in the store: a claim whose
 * heartbeat stopped and, maybe, a report in the card's thread that says "running". The sweep marks
 * it interrupted once, says so on the card and in the thread with a Diagnose button, and never runs
 * it again by itself; Diagnose runs it, editing the same report.
 */
const YAML = `
alerts:
  watch: { enabled: false }
  routes:
    - match: { alertname: SlowErrors }
      diagnose: diagnose-slow
    - match: { service: api }
      diagnose: diagnose-api
actions:
  slow-errors:
    description: ERROR lines, slowly (4 s)
    read_only: true
    argv: [node, -e, "setTimeout(() => console.log('ERROR slow disk'), 4000)"]
  api-errors:
    description: ERROR lines of a service's logs
    read_only: true
    params:
      service: { type: string, pattern: "[a-z]+" }
    argv: [node, -e, "console.log('ERROR pool exhausted in ' + process.argv[1])", "{service}"]
procedures:
  diagnose-api:
    description: Runbook 001, High Error Rate
    params:
      service: { type: string, pattern: "[a-z]+" }
    steps:
      - name: recent errors
        run: /run api-errors service={labels.service}
  diagnose-slow:
    description: A diagnosis that takes a while
    steps:
      - run: /run slow-errors
`;

const DEAD = 'replica-b:4242:dead';
const limits = { maxConcurrent: 5, perMinute: 100 };

describe('a diagnosis whose replica stopped mid-run', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let r: Running;
  let repo: SqlDiagnosisRepository;
  const messages = async () => (await r.app.consoleMessages.changesSince(0, 'tester', 10_000)).messages;
  const cardOf = async (g: AlertGroup) => waitFor(async () => (await messages()).find((m) => m.threadParentId === null && m.reply.context?.endsWith(`alert group ${g.id}`)), 60_000, `the card of group ${g.id}`);
  const interruptedCount = async () => Number(/^firebreak_diagnoses_total\{outcome="interrupted"\} (\d+)/m.exec(await r.app.metrics.registry.metrics())?.[1] ?? 0);
  const runs = () => r.app.db.query("SELECT id FROM procedure_runs WHERE procedure = 'diagnose-api'");
  /** A group first fired 20 minutes ago: the diagnoser leaves it alone (older than its arrival window), so only the test's dead replica claims it. */
  const group = (alertname: string) => fireGroup(r.app.ports.alerts, r.app.loaded.config, { alertname, service: 'api', severity: 'critical', firstFiredAt: new Date(Date.now() - 20 * 60_000) }, ['console']);

  beforeAll(async () => {
    db = await createTestDatabase('fb_diag_sweep');
    r = await startFirebreak(testRuntime({ port: 0, databaseUrl: db.url }), configFrom(YAML), { host: '127.0.0.1' });
    repo = new SqlDiagnosisRepository(r.app.db);
  }, 120_000);
  afterAll(async () => {
    await r?.close();
    await db?.drop();
  });

  it('is marked interrupted after its heartbeat deadline: the report in the thread says so in place, the card offers Diagnose, nothing re-runs; Diagnose runs it', async () => {
    const g = await group('HighErrorRate');
    const card = await cardOf(g);
    // The replica that died: it claimed the diagnosis and posted its running report under the card.
    expect(await repo.decide(g.id, 1, 'diagnose-api', limits, DEAD, ['console'])).toBe('run');
    expect(await showDiagnosisReport(r.app.ports, g.id, 1, { title: 'Procedure diagnose-api: step 1 of 1 running', status: 'info', text: '⏳ 1. recent errors' }, 30_000)).toBe(true);
    const running = await waitFor(async () => (await messages()).find((m) => m.threadParentId === card.id), 30_000, 'the running report');

    const sweeper = new DiagnosisSweeper(r.app.loaded.config, r.app.ports, repo, r.app.metrics, { everyMs: 500, staleMs: 2_000 });
    sweeper.start();
    try {
      const report = await waitFor(
        async () => (await messages()).find((m) => m.id === running.id && m.reply.title === 'Diagnosis diagnose-api interrupted'),
        60_000,
        'the report saying it was interrupted',
      );
      expect(report.threadParentId).toBe(card.id);
      expect(report.reply.text).toMatch(/^Diagnosis diagnose-api interrupted: the replica running it stopped \(no word from it since \d\d:\d\d:\d\d UTC\), so what it would have found is unknown\. It was not run again: press Diagnose to run it now\.$/);
      expect(report.reply.buttons).toEqual([expect.objectContaining({ label: 'Diagnose', actionId: `diag:${g.id}` })]);
      const marked = await waitFor(
        async () => (await messages()).find((m) => m.id === card.id && m.reply.fields?.some((f) => f.label === 'Diagnosis' && f.value === 'interrupted: the replica running it stopped — press Diagnose to run it again')),
        60_000,
        'the card saying interrupted',
      );
      expect(marked.reply.buttons?.find((b) => b.label === 'Diagnose')?.actionId).toBe(`diag:${g.id}`);
      expect(await interruptedCount()).toBe(1);
      // Further passes (and the diagnoser's looks) leave it: interrupted, not run again by itself.
      await sweeper.tick();
      await sweeper.tick();
      expect(await r.app.db.query('SELECT state, report_owed FROM alert_diagnoses WHERE group_id = $1', [g.id])).toEqual([{ state: 'interrupted', report_owed: false }]);
      expect(await runs()).toEqual([]);
      expect((await messages()).filter((m) => m.threadParentId === card.id)).toHaveLength(1);
    } finally {
      await sweeper.stop();
    }

    // Diagnose on the thread's report: it runs now, and the same report shows its result.
    await r.app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: `diag:${g.id}` } });
    const done = await waitFor(async () => (await messages()).find((m) => m.id === running.id && m.reply.title === 'Procedure diagnose-api: all 1 steps done'), 60_000, 'the report of the run Diagnose started');
    expect(JSON.stringify(done.reply)).toContain('ERROR pool exhausted in api');
    expect(await runs()).toHaveLength(1);
    await waitFor(async () => (await messages()).find((m) => m.id === card.id && m.reply.fields?.some((f) => f.label === 'Diagnosis' && f.value.startsWith('done'))), 60_000, 'the card saying done');
  }, 180_000);

  it('a replica that died before posting any report: swept once across replicas, the interrupted report posted under the card', async () => {
    const g = await group('DatabaseConnections');
    const card = await cardOf(g);
    expect(await repo.decide(g.id, 1, 'diagnose-api', limits, DEAD, ['console'])).toBe('run');
    // Still within its deadline: nothing happens.
    expect((await sweepInterruptedDiagnoses(r.app.loaded.config, r.app.ports, repo, 60_000)).marked.filter((d) => d.groupId === g.id)).toEqual([]);
    await new Promise((done) => setTimeout(done, 1_500));
    // Two replicas sweeping at once: one marks it, one report.
    const [one, two] = await Promise.all([
      sweepInterruptedDiagnoses(r.app.loaded.config, r.app.ports, repo, 1_000),
      sweepInterruptedDiagnoses(r.app.loaded.config, r.app.ports, new SqlDiagnosisRepository(r.app.db), 1_000),
    ]);
    expect([...one.marked, ...two.marked].filter((d) => d.groupId === g.id)).toHaveLength(1);
    const thread = await waitFor(async () => {
      const under = (await messages()).filter((m) => m.threadParentId === card.id);
      return under.length > 0 ? under : null;
    }, 30_000, 'the interrupted report');
    expect(thread.map((m) => m.reply.title)).toEqual(['Diagnosis diagnose-api interrupted']);
    expect(await runs()).toHaveLength(1); // the first test's Diagnose only
  }, 120_000);

  it('a live diagnosis keeps its heartbeat: sweeps with a deadline shorter than its step leave it running, and it ends done', async () => {
    const g = await fireGroup(r.app.ports.alerts, r.app.loaded.config, { alertname: 'SlowErrors', service: 'disk', severity: 'warning', firstFiredAt: new Date(Date.now() - 20 * 60_000) }, ['console']);
    await cardOf(g);
    const before = await interruptedCount();
    expect(await repo.decide(g.id, 1, 'diagnose-slow', limits, 'replica-a:live', ['console'])).toBe('run');
    const sweeper = new DiagnosisSweeper(r.app.loaded.config, r.app.ports, repo, r.app.metrics, { everyMs: 300, staleMs: 2_000 });
    sweeper.start();
    try {
      // Its one step takes 4 s, twice the sweep's deadline; it says it is alive every 0.5 s meanwhile.
      const done = await diagnoseGroup(r.app.loaded.config, r.app.ports, repo, g.id, 'diagnose-slow', { claim: { episode: 1, holder: 'replica-a:live' }, actor: DIAGNOSIS_ACTOR, trigger: 'test', heartbeatMs: 500 });
      expect(done.outcome).toBe('ok');
      expect(JSON.stringify(done.report)).toContain('ERROR slow disk');
    } finally {
      await sweeper.stop();
    }
    expect(await interruptedCount()).toBe(before);
    expect(await r.app.db.query('SELECT state FROM alert_diagnoses WHERE group_id = $1', [g.id])).toEqual([{ state: 'done' }]);
  }, 120_000);
});
