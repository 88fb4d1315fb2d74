import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { AppPorts } from '../../src/app/ports.js';
import type { DispatchResult } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import { buildAlertOutboxWorker, type App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { ProcedureScheduler } from '../../src/scheduler/procedure-scheduler.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import { startFakeS3, type FakeS3 } from '../fakes/s3-server.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';
import { borrowStore } from '../support/store-pool.js';

/**
 * examples/: each runbook's config is accepted by `firebreak config check`, and each of its
 * procedures runs to the end against local stand-ins: the kube-apiserver fake with the real
 * kubectl, scratch PostgreSQL databases, s3rver for backups, a local HTTP server for the health
 * and admin endpoints, and a recording tool standing in for railway and the runbooks' scripts.
 * The examples are used as written; only `${VAR}` values (and roles: who, not what runs) differ.
 */

const BIN = resolve('bin/firebreak.js');
const APPEND = resolve('test/fakes/append-argv.mjs');
const RECORD_ENV = resolve('test/fakes/record-env.mjs');
const FILES = ['000-litellm-langfuse-railway.yml', '001-conduit-kubernetes.yml', '002-rag7-langgraph-kubernetes.yml', '003-llm-analytics-hub-kubernetes.yml', '004-support-agent-railway.yml'];
const text = (file: string) => readFileSync(join('examples', file), 'utf8');

/** A value for every `${VAR}` without a default (the credentials), plus the given ones. */
function envFor(yaml: string, given: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of yaml.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(:-[^}]*)?\}/g)) if (m[2] === undefined) env[m[1]!] = `stand-in-${m[1]!.toLowerCase()}-0123456789`;
  return { ...env, ...given };
}

describe('examples/: firebreak config check accepts every runbook config (child processes)', { timeout: 120_000 }, () => {
  it.each([...FILES.map((f) => join('examples', f)), 'firebreak.example.yml'])('%s', async (file) => {
    const r = await execa(process.execPath, [BIN, 'config', 'check', file], {
      reject: false,
      env: { ...envFor(readFileSync(file, 'utf8')), PATH: process.env.PATH ?? '', HOME: tmpdir(), LOG_LEVEL: 'warn' },
      extendEnv: false,
    });
    expect([r.exitCode, String(r.stderr)]).toEqual([0, '']);
    expect(String(r.stdout)).toMatch(new RegExp(`^${file.replace(/[.]/g, '\\.')}: OK — `));
  });
});

describe('examples/: every procedure runs to the end against local stand-ins', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-examples-'));
  const bin = join(dir, 'bin');
  const log = join(dir, 'calls.jsonl');
  const saved = { PATH: process.env.PATH, KUBECONFIG: process.env.KUBECONFIG };
  const hits: string[] = [];
  let http: Server;
  let base: string;
  let kube: FakeKube;
  let s3: FakeS3;
  const dbs: Awaited<ReturnType<typeof createTestDatabase>>[] = [];
  // One embedded store for the five apps (one after another): opening and migrating PGlite is most of an app's start.
  let store: Db;

  /** What the recording tool was called with, one "program args…" line per call. */
  const calls = (): string[] => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as string[]).join(' ')) : []);
  const reset = () => {
    rmSync(log, { force: true });
    hits.length = 0;
  };
  const shim = (name: string, after = '') => {
    const path = join(bin, name);
    writeFileSync(path, `#!/bin/sh\n"${process.execPath}" "${APPEND}" "${log}" ${name} "$@" >/dev/null || exit $?\n${after || `echo "${name}: ok"`}\n`);
    chmodSync(path, 0o755);
  };

  beforeAll(async () => {
    store = await borrowStore();
    mkdirSync(bin);
    shim('railway');
    shim('smoke-tests', 'echo "12 passed, 0 failed"');
    for (const s of ['health-check.sh', 'list-backups.sh', 'restore.sh', 'validate.sh', 'backup.sh', 'dr-drill.sh']) shim(s);
    // The Kafka lag wrapper prints one number, which the command check compares with max.
    shim('consumer-lag.sh', 'echo 42');
    // The secret-taking scripts write the environment they were given, for the test to read.
    for (const s of ['add-api-key.sh', 'set-openai-key.sh']) shim(s, `"${process.execPath}" "${RECORD_ENV}" "${join(dir, `${s}.env.json`)}" && echo "${s}: ok"`);
    http = createServer((req, res) => {
      hits.push(`${req.method} ${req.url}`);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.endsWith('/ping')) return res.end('Ok.\n');
      if (path.endsWith('/metrics')) return res.end('conduit_llm_requests_total{status="ok"} 1200\nprocess_cpu_seconds_total 3\nconduit_llm_active_requests 4\n');
      res.setHeader('content-type', 'application/json');
      if (path.endsWith('/providers/health')) return res.end('{"unhealthy_count":0,"providers":{"openai":"healthy","anthropic":"healthy"}}');
      res.end('{"status":"healthy","services":{"litellm":"healthy","langfuse":"healthy","postgres":"healthy"}}');
    }).listen(0, '127.0.0.1');
    await new Promise((r) => http.once('listening', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    kube = await startFakeKube({
      dir,
      settleMs: 200,
      deployments: [
        { namespace: 'conduit', name: 'conduit-api', container: 'api', replicas: 3, images: ['your-registry/conduit:v1.2.2', 'your-registry/conduit:v1.2.3'] },
        { namespace: 'rag7', name: 'langgraph', container: 'langgraph', replicas: 2, images: ['ghcr.io/stacey77/rag7:v1.0.0', 'ghcr.io/stacey77/rag7:v1.0.1'] },
        { namespace: 'llm-analytics-hub', name: 'analytics-api', container: 'api', replicas: 3, images: ['llm-analytics-hub/api:v1.2.2', 'llm-analytics-hub/api:v1.2.3'] },
      ],
      cronJobs: [{ namespace: 'conduit', name: 'postgres-backup' }],
    });
    s3 = await startFakeS3(['backups', 'conduit-backups', 'rag7-backups']);
    // Tools get PATH and KUBECONFIG from Firebreak's own environment (src/integrations/tool-env.ts).
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
    process.env.KUBECONFIG = kube.kubeconfig;
  });
  afterAll(async () => {
    process.env.PATH = saved.PATH;
    if (saved.KUBECONFIG === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = saved.KUBECONFIG;
    await kube?.close();
    await s3?.close();
    await store?.close();
    http?.close();
    for (const d of dbs) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function scratchDb(table: string, rows: number): Promise<string> {
    const d = await createTestDatabase('fb_examples');
    dbs.push(d);
    await sql(d.url, `CREATE TABLE ${table} (id integer PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), payload text); INSERT INTO ${table} (id, payload) SELECT g, md5(g::text) FROM generate_series(1, ${rows}) g`);
    return d.url;
  }
  async function sql(url: string, q: string): Promise<pg.QueryResult> {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await c.query(q);
    } finally {
      await c.end();
    }
  }
  const count = async (url: string, table: string) => Number((await sql(url, `SELECT count(*) AS n FROM ${table}`)).rows[0].n);

  /** The example as written, with alice and bob in both roles (mallory in none). */
  async function exampleApp(file: string, given: Record<string, string>): Promise<App> {
    const doc = parseDocument(text(file));
    doc.set('roles', { responders: ['console:alice', 'console:bob'], admins: ['console:alice', 'console:bob'] });
    const yaml = doc.toString();
    return testApp(yaml, { db: store, env: envFor(yaml, { MINIO_ACCESS_KEY: 'S3RVER', MINIO_SECRET_KEY: 'S3RVER', AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', KUBE_CONTEXT: 'fake', ...given }) });
  }

  const dispatch = (app: App, actor: Actor, input: { kind: 'text'; text: string } | { kind: 'action'; actionId: string }, secrets?: ReadonlyMap<string, string>) =>
    app.dispatcher.dispatch({ actor, channel: consoleChan, input, ...(secrets ? { secrets } : {}) });
  const button = (r: DispatchResult, label: string): string => {
    const b = r.reply.buttons?.find((x) => x.label === label);
    if (!b) throw new Error(`no ${label} button on "${r.reply.title}" (${r.reply.text ?? ''}): ${JSON.stringify(r.reply.buttons)}`);
    return b.actionId;
  };
  const states = (r: DispatchResult): string[] => (r.reply.rows ?? []).map((row) => `${row.cells[0]} ${row.cells[2]}`);
  const notes = (r: DispatchResult): string[] => (r.reply.rows ?? []).map((row) => String(row.cells[4] ?? ''));
  /** The replica counts the fake was asked to scale to since `from` (a Scale PUT without spec.replicas means 0). */
  const scaledTo = (from: number): number[] =>
    kube.writes().slice(from).filter((w) => w.url.includes('/scale')).map((w) => (JSON.parse(w.body) as { spec: { replicas?: number } }).spec.replicas ?? 0);

  /**
   * `/procedure …` typed by alice and confirmed by bob (a second person, so restores pass too); then
   * every gate and manual step is answered by pressing its button, as a person would, until the
   * run ends. `answer` says which button a gate gets (Approve unless told).
   */
  async function runToEnd(app: App, command: string, answer: (title: string) => 'Approve' | 'Reject' | 'Done' = () => 'Approve'): Promise<DispatchResult> {
    const card = await dispatch(app, alice, { kind: 'text', text: command });
    expect(card.status, `${command}: ${card.reply.text ?? card.reply.title}`).toBe('pending');
    let r = await dispatch(app, bob, { kind: 'action', actionId: button(card, 'Run procedure') });
    for (let presses = 0; presses < 20; presses++) {
      const labels = r.reply.buttons?.map((b) => b.label) ?? [];
      if (labels.includes('Done')) r = await dispatch(app, alice, { kind: 'action', actionId: button(r, 'Done') });
      else if (labels.includes('Approve')) r = await dispatch(app, bob, { kind: 'action', actionId: button(r, answer(r.reply.text ?? '')) });
      else return r;
    }
    throw new Error(`${command} still waits after 20 presses: ${r.reply.title}`);
  }
  const allOk = (r: DispatchResult, n: number) => {
    expect(r.reply.title, `${r.reply.text ?? ''} ${JSON.stringify(notes(r))}`).toMatch(new RegExp(`: all ${n} steps done$`));
    expect(r.status).toBe('ok');
  };
  /**
   * A secret action as a console user runs it (`firebreak run … --secret NAME=ENV_VAR` hands the
   * dispatcher the same map): alice asks, bob confirms; the script saw the value in its environment,
   * not in its argv, and no reply shows it.
   */
  async function secretAction(app: App, command: string, name: string, value: string, script: string): Promise<Record<string, string>> {
    reset();
    const card = await dispatch(app, alice, { kind: 'text', text: command }, new Map([[name, value]]));
    expect(card.status, card.reply.text).toBe('pending');
    expect(card.reply.fields).toContainEqual({ label: name, value: '•••••• (given privately)' });
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    // confirm: two_person — the requester cannot confirm it.
    expect((await dispatch(app, alice, { kind: 'action', actionId: confirm })).status).toBe('denied');
    const done = await dispatch(app, bob, { kind: 'action', actionId: confirm });
    expect(done.status, done.reply.text).toBe('ok');
    expect(calls()).toHaveLength(1);
    expect(calls()[0]!.startsWith(`${script} `)).toBe(true);
    expect(calls()[0]).not.toContain(value);
    expect(JSON.stringify([card.reply, done.reply])).not.toContain(value);
    return JSON.parse(readFileSync(join(dir, `${script}.env.json`), 'utf8')) as Record<string, string>;
  }
  async function backupNow(app: App, target: string): Promise<string> {
    const now = await dispatch(app, alice, { kind: 'text', text: `/backup now ${target}` });
    expect(now.status, now.reply.text).toBe('ok');
    return now.reply.fields!.find((f) => f.label === 'Backup')!.value;
  }

  describe('000 LiteLLM + Langfuse on Railway', () => {
    let app: App;
    let db: string;
    beforeAll(async () => {
      db = await scratchDb('litellm_keys', 50);
      const verify = await createTestDatabase('fb_examples');
      dbs.push(verify);
      app = await exampleApp(FILES[0]!, {
        VERIFY_DATABASE_URL: verify.url,
        LITELLM_URL: `${base}/litellm`,
        LANGFUSE_URL: `${base}/langfuse`,
        HEALTH_MONITOR_URL: `${base}/monitor`,
        CLICKHOUSE_URL: `${base}/clickhouse`,
        MINIO_ENDPOINT: s3.endpoint,
        APP_DATABASE_URL: db,
        APP_REDIS_URL: REDIS_URL,
      });
    });
    afterAll(async () => app?.close());

    it('restore-postgres: three pauses by hand, the restore, three unpauses in order, health; the rows are back', async () => {
      const id = await backupNow(app, 'postgres');
      await sql(db, 'DELETE FROM litellm_keys WHERE id > 10');
      reset();
      const card = await dispatch(app, alice, { kind: 'text', text: `/procedure restore-postgres backup=${id}` });
      expect(card.reply.text).toContain('Needs a second person');
      let r = await dispatch(app, bob, { kind: 'action', actionId: button(card, 'Run procedure') });
      expect(r.reply.title).toBe('Procedure restore-postgres: step 1 of 11 waits for a person');
      // Someone without the role cannot mark a manual step done.
      expect((await dispatch(app, mallory, { kind: 'action', actionId: button(r, 'Done') })).status).toBe('denied');
      for (let i = 0; i < 3; i++) r = await dispatch(app, alice, { kind: 'action', actionId: button(r, 'Done') });
      // The restore ran only after the three pauses, and stopped at the first unpause.
      expect(r.reply.title).toBe('Procedure restore-postgres: step 6 of 11 waits for a person');
      expect(await count(db, 'litellm_keys')).toBe(50);
      for (let i = 0; i < 3; i++) r = await dispatch(app, bob, { kind: 'action', actionId: button(r, 'Done') });
      allOk(r, 11);
      expect(notes(r).slice(0, 3)).toEqual(['marked done by alice', 'marked done by alice', 'marked done by alice']);
      expect(notes(r).slice(5, 8)).toEqual(['marked done by bob', 'marked done by bob', 'marked done by bob']);
      expect(hits).toEqual(expect.arrayContaining(['GET /litellm/health', 'GET /langfuse/api/public/health', 'GET /monitor/health']));
      expect(calls()).toEqual([]);
    });

    it('the monthly test restore: the latest backup restored into the scratch database, every count matches', async () => {
      const r = await dispatch(app, alice, { kind: 'text', text: '/backup verify latest postgres' });
      expect(r.status, r.reply.text).toBe('ok');
      expect(r.reply.title).toMatch(/^Backup bk-[0-9a-f]{8} verified: 1 tables, row counts match/);
      expect(r.reply.rows).toContainEqual(expect.objectContaining({ cells: ['litellm_keys', '50', '50', 'OK'] }));
    });

    it('daily-health-check on its schedule: runs unattended, as the schedule, and posts its report', async () => {
      reset();
      const scheduler = new ProcedureScheduler<AppPorts>(app.loaded.config, app.ports);
      try {
        expect(await scheduler.fire('daily-health-check', new Date('2026-12-08T07:00:00.000Z'))).toMatchObject({ kind: 'ran', ok: true });
      } finally {
        await scheduler.stop();
      }
      const events = await app.ports.timeline.list({ limit: 200, newest: true });
      expect(events.filter((e) => e.kind === 'procedure.finished' && e.detail.procedure === 'daily-health-check').map((e) => [e.actor.name, e.outcome])).toContainEqual(['schedule', 'ok']);
      const posted = (await store.query<{ title: string }>("SELECT m.reply->>'title' AS title FROM console_messages m JOIN console_channels c ON c.id = m.channel_id WHERE c.name = 'incidents'")).map((m) => m.title);
      expect(posted).toContain('Procedure daily-health-check: all 8 steps done');
      expect(calls()).toEqual([]);
    });

    it('daily-health-check: checks and read-only commands only', async () => {
      reset();
      const r = await runToEnd(app, '/procedure daily-health-check');
      allOk(r, 8);
      expect(notes(r)[1]).toContain('litellm');
      expect(hits).toEqual(expect.arrayContaining(['GET /monitor/health', 'GET /clickhouse/ping']));
      expect(calls()).toEqual([]);
    });

    it('scale-out: railway scales LiteLLM, then the Langfuse worker', async () => {
      reset();
      allOk(await runToEnd(app, '/procedure scale-out replicas=3'), 3);
      expect(calls()).toEqual(['railway service litellm scale --replicas 3', 'railway service langfuse-worker scale --replicas 3']);
    });
  });

  describe('001 ConduitLLM on Kubernetes', () => {
    let app: App;
    let db: string;
    beforeAll(async () => {
      db = await scratchDb('request_logs', 30);
      app = await exampleApp(FILES[1]!, {
        CONDUIT_API_URL: `${base}/api`,
        CONDUIT_ADMIN_URL: `${base}/admin`,
        CONDUIT_DATABASE_URL: db,
        BACKUP_S3_ENDPOINT: s3.endpoint,
        SMOKE_TESTS: 'smoke-tests',
      });
    });
    afterAll(async () => app?.close());

    it('rolling-update: backup job, set image, rollout, health, smoke tests, approved: the new image runs', async () => {
      reset();
      const r = await runToEnd(app, '/procedure rolling-update tag=v1.2.4 stamp=20261207-030000');
      allOk(r, 9);
      expect(notes(r)[0]).toContain('conduit backed up');
      expect(kube.jobs()).toEqual([{ namespace: 'conduit', name: 'manual-backup-20261207-030000', fromCronJob: 'postgres-backup' }]);
      expect(kube.deployment('conduit', 'conduit-api').image).toBe('your-registry/conduit:v1.2.4');
      expect(calls()).toEqual(['smoke-tests']);
      expect(hits).toEqual(expect.arrayContaining(['GET /api/health/ready', 'GET /api/metrics']));
    });

    it('rolling-update rejected at the gate: on_failure rolls back to the image before', async () => {
      reset();
      const r = await runToEnd(app, '/procedure rolling-update tag=v1.2.5 stamp=20261207-040000', () => 'Reject');
      expect(r.status).toBe('failed');
      expect(states(r).slice(-2)).toEqual(['9. ❌ failed', 'on_failure 1. ✅ ok']);
      expect(kube.deployment('conduit', 'conduit-api').image).toBe('your-registry/conduit:v1.2.4');
      await dispatch(app, alice, { kind: 'action', actionId: button(r, 'Abort') });
    });

    it('provider-outage: disable, force a health check, approved, reset the circuit', async () => {
      reset();
      allOk(await runToEnd(app, '/procedure provider-outage provider=openai'), 5);
      expect(hits.filter((h) => !h.startsWith('GET'))).toEqual(['PATCH /admin/api/admin/providers/openai/disable', 'POST /admin/api/admin/providers/health/check', 'POST /admin/api/admin/providers/openai/reset-circuit']);
    });

    it('connection-pool-exhausted: kill idle connections, rolling restart, ready, database', async () => {
      reset();
      allOk(await runToEnd(app, '/procedure connection-pool-exhausted'), 5);
      expect(kube.deployment('conduit', 'conduit-api').restartedAt).toBeDefined();
    });

    it('restore-database: scale to 0, restore, scale back, check', async () => {
      const id = await backupNow(app, 'conduit');
      await sql(db, 'DELETE FROM request_logs');
      const writesBefore = kube.writes().length;
      allOk(await runToEnd(app, `/procedure restore-database backup=${id} replicas=3`), 5);
      expect(await count(db, 'request_logs')).toBe(30);
      expect(scaledTo(writesBefore)).toEqual([0, 3]);
      expect(kube.deployment('conduit', 'conduit-api').replicas).toBe(3);
    });

    it('health-check: read-only', async () => {
      allOk(await runToEnd(app, '/procedure health-check'), 5);
    });

    it('diagnose-errors and diagnose-database, the alert routes’ diagnoses: read-only, every step ok', async () => {
      const writesBefore = kube.writes().length;
      allOk(await runToEnd(app, '/procedure diagnose-errors'), 4);
      allOk(await runToEnd(app, '/procedure diagnose-database'), 3);
      expect(kube.writes().length).toBe(writesBefore);
    });

    it('patch-hpa refuses min above max before anything runs; FLUSHDB needs a second person', async () => {
      const writesBefore = kube.writes().length;
      const r = await dispatch(app, alice, { kind: 'text', text: '/run patch-hpa min=12 max=5' });
      expect([r.status, r.reply.text]).toEqual(['invalid', 'min (12) must be ≤ max (5). Usage: /run patch-hpa min=2–30 max=2–30']);
      const card = await dispatch(app, alice, { kind: 'text', text: '/run flush-redis' });
      expect(card.status).toBe('pending');
      const self = await dispatch(app, alice, { kind: 'action', actionId: card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId });
      expect(self.status).toBe('denied');
      expect(self.reply.text).toContain('someone else with the "admins" role must confirm it. Nothing was run.');
      expect(kube.writes().length).toBe(writesBefore);
    });
  });

  describe('002 rag7 LangGraph on Kubernetes', () => {
    let app: App;
    let db: string;
    beforeAll(async () => {
      db = await scratchDb('checkpoints', 42);
      app = await exampleApp(FILES[2]!, { LANGGRAPH_URL: `${base}/langgraph`, CHECKPOINTS_DATABASE_URL: db, RAG7_REDIS_URL: REDIS_URL, BACKUP_S3_ENDPOINT: s3.endpoint, RAG7_SCRIPTS_DIR: bin });
    });
    afterAll(async () => app?.close());

    it('data-corruption: scale to 0 → restore → scale up → verify; 42 rows again, 2 replicas', async () => {
      const id = await backupNow(app, 'checkpoints');
      await sql(db, 'DELETE FROM checkpoints WHERE id > 10');
      const writesBefore = kube.writes().length;
      const r = await runToEnd(app, `/procedure data-corruption backup=${id}`);
      allOk(r, 7);
      expect(await count(db, 'checkpoints')).toBe(42);
      expect(notes(r)[4]).toContain('42');
      expect(scaledTo(writesBefore)).toEqual([0, 2]);
      expect(kube.deployment('rag7', 'langgraph').replicas).toBe(2);
    });

    it('deploy then rollback: the image is set, then undone', async () => {
      allOk(await runToEnd(app, '/procedure deploy tag=v1.0.2'), 5);
      expect(kube.deployment('rag7', 'langgraph').image).toBe('ghcr.io/stacey77/rag7:v1.0.2');
      allOk(await runToEnd(app, '/procedure rollback'), 2);
      expect(kube.deployment('rag7', 'langgraph').image).toBe('ghcr.io/stacey77/rag7:v1.0.1');
    });

    it('high-error-rate: errors grouped by type, dependencies, deployments', async () => {
      kube.podLogs('rag7', 'langgraph', 0, [
        { text: '2026-12-07 10:00:01 app ERROR checkpoint write timed out', ageS: 120 },
        { text: '2026-12-07 10:00:02 app INFO request ok', ageS: 110 },
        { text: '2026-12-07 10:00:03 app ERROR checkpoint write timed out', ageS: 100 },
      ]);
      const r = await runToEnd(app, '/procedure high-error-rate');
      allOk(r, 4);
      expect(notes(r)[0]).toMatch(/2\s+checkpoint write timed out/);
    });

    it('add-api-key: the key is asked for privately and reaches the script in API_KEY only', async () => {
      const key = 'rk-live-Zq8Wm3Np6Tb2Vx9Lc4Hd';
      const env = await secretAction(app, '/run add-api-key slot=OPENAI_API_KEY_2', 'key', key, 'add-api-key.sh');
      expect(env.API_KEY).toBe(key);
      expect(calls()).toEqual(['add-api-key.sh OPENAI_API_KEY_2']);
    });

    it('high-latency: scale out, approved', async () => {
      allOk(await runToEnd(app, '/procedure high-latency replicas=6'), 3);
      expect(kube.deployment('rag7', 'langgraph').replicas).toBe(6);
    });
  });

  describe('003 LLM Analytics Hub on Kubernetes', () => {
    let app: App;
    beforeAll(async () => {
      const db = await scratchDb('events', 5);
      app = await exampleApp(FILES[3]!, {
        ANALYTICS_API_URL: `${base}/analytics`,
        TIMESCALEDB_HOST: '127.0.0.1',
        TIMESCALEDB_PORT: '5432',
        TIMESCALEDB_URL: db,
        HUB_REDIS_URL: REDIS_URL,
        SCRIPTS_DIR: bin,
        BACKUP_S3_ENDPOINT: s3.endpoint,
      });
    });
    afterAll(async () => app?.close());

    it('p1-service-down: diagnostics, approved, rolled back to the previous image', async () => {
      allOk(await runToEnd(app, '/procedure p1-service-down'), 8);
      expect(kube.deployment('llm-analytics-hub', 'analytics-api').image).toBe('llm-analytics-hub/api:v1.2.2');
    });

    it('p2-high-latency: database, Redis, Kafka lag, slow queries, approved, scaled to 10', async () => {
      allOk(await runToEnd(app, '/procedure p2-high-latency'), 7);
      expect(kube.deployment('llm-analytics-hub', 'analytics-api').replicas).toBe(10);
    });

    it('morning-health-check and restore-from-backup run the runbook’s scripts', async () => {
      reset();
      allOk(await runToEnd(app, '/procedure morning-health-check'), 5);
      expect(calls()).toEqual(['health-check.sh production', 'consumer-lag.sh analytics-consumers']);
      reset();
      // restore.sh is a two_person action, so the procedure that runs it needs a second person too.
      const card = await dispatch(app, alice, { kind: 'text', text: '/procedure restore-from-backup backup_id=backup-20261207' });
      expect(card.reply.text).toContain('Needs a second person');
      expect((await dispatch(app, alice, { kind: 'action', actionId: button(card, 'Run procedure') })).status).toBe('denied');
      allOk(await runToEnd(app, '/procedure restore-from-backup backup_id=backup-20261207'), 5);
      expect(calls()).toEqual(['list-backups.sh production', 'restore.sh production backup-20261207', 'validate.sh production']);
    });

    it('autoscale-api refuses min above max; the weekly checks run read-only', async () => {
      const r = await dispatch(app, alice, { kind: 'text', text: '/run autoscale-api min=15 max=3' });
      expect(r.status).toBe('invalid');
      expect(r.reply.text).toMatch(/^min \(15\) must be ≤ max \(3\)\./);
      allOk(await runToEnd(app, '/procedure weekly-checks'), 3);
    });

    it('quarterly DR drill: the procedure runs dr-drill.sh and validates; the drill sends ServiceDown through the alert path with a DRILL incident and cleans up', async () => {
      reset();
      allOk(await runToEnd(app, '/procedure quarterly-dr-drill'), 4);
      expect(calls()).toEqual(['dr-drill.sh production', 'validate.sh production']);
      // The configured drill, as its schedule runs it, with the outbox posting its card on the console.
      const outbox = buildAlertOutboxWorker(app, { pollMs: 100 });
      outbox.start();
      try {
        const d = app.loaded.config.drills.find((x) => x.name === 'quarterly-dr')!;
        const r = await dispatch(app, alice, { kind: 'text', text: `/drill ${d.route} --incident` });
        expect(r.status, r.reply.text).toBe('ok');
        expect(r.reply.text).toMatch(/escalation step 1 would page PagerDuty \(not paged without --page\) after 10 min/);
        expect(r.reply.text).toMatch(/incident INC-\d+ resolved/);
        // The store is shared with the other examples' tests: only the drill's own incident and group count here.
        expect((await app.ports.incidents.listOpen()).filter((i) => i.title.includes('DRILL'))).toEqual([]);
        expect((await app.ports.alerts.firing()).filter((g) => g.source === 'drill')).toEqual([]);
      } finally {
        await outbox.stop();
      }
    });

    it('security-patch: the patched image rolls out', async () => {
      allOk(await runToEnd(app, '/procedure security-patch tag=v1.2.4'), 3);
      expect(kube.deployment('llm-analytics-hub', 'analytics-api').image).toBe('llm-analytics-hub/api:v1.2.4');
    });
  });

  describe('004 support agent on Railway', () => {
    let app: App;
    beforeAll(async () => {
      const db = await scratchDb('messages', 5);
      app = await exampleApp(FILES[4]!, { API_URL: `${base}/support`, APP_DATABASE_URL: db, APP_REDIS_URL: REDIS_URL, BACKUP_DIR: join(dir, 'backups'), APP_SCRIPTS_DIR: bin });
    });
    afterAll(async () => app?.close());

    it.each([
      ['llm-fallback', 4, ['railway vars set --service api DEFAULT_MODEL=gpt-4o-mini', 'railway logs --service api --limit 100']],
      ['db-connection-issues', 5, ['railway vars set --service api DATABASE_POOL_SIZE=30', 'railway redeploy --service api']],
      ['high-latency', 4, ['railway scale api --replicas 5']],
      ['complete-outage', 7, ['railway status', 'railway redeploy --service api --previous']],
      ['rotate-openai-key', 6, ['railway logs --service api --limit 100']],
      ['maintenance-window', 6, []],
      ['health-checks', 5, []],
    ] as const)('%s', async (name, steps, expected) => {
      reset();
      allOk(await runToEnd(app, `/procedure ${name}`), steps);
      expect(calls()).toEqual(expected);
    });

    it('set-openai-key: the new key reaches the script in OPENAI_API_KEY, never its argv or a reply', async () => {
      const key = 'sk-proj-Qw7Er9Ty2Ui4Op6As8Df';
      const env = await secretAction(app, '/run set-openai-key', 'new_key', key, 'set-openai-key.sh');
      expect(env.OPENAI_API_KEY).toBe(key);
      expect(calls()).toEqual(['set-openai-key.sh api']);
    });

    it('the Sunday 02:00–04:00 UTC maintenance window is listed ahead', async () => {
      const r = await dispatch(app, alice, { kind: 'text', text: '/maintenance list' });
      expect(r.status).toBe('ok');
      const text = JSON.stringify(r.reply);
      expect(text).toContain('sunday-maintenance');
      expect(text).toMatch(/02:00 UTC – 04:00 UTC/);
    });
  });
});
