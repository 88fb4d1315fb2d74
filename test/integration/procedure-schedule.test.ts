import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPorts } from '../../src/app/ports.js';
import type { Reply } from '../../src/core/reply.js';
import type { App } from '../../src/main.js';
import { ProcedureScheduler } from '../../src/scheduler/procedure-scheduler.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';

const FAKE = resolve('test/fakes/append-argv.mjs');

/**
 * Scheduled procedures on two app instances over one PostgreSQL, each with its own scheduler, as
 * two replicas run them. Slots are fired by hand with the same time on both (what the croner jobs do on
 * every replica), and once through a real per-second cron.
 */
describe('scheduled procedures across two replicas', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-procedure-schedule-'));
  const log = join(dir, 'calls.jsonl');
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[];
  let apps: App[];
  let schedulers: ProcedureScheduler<AppPorts>[];
  let up: Server;
  let closedPort: number;
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => (JSON.parse(l) as string[]).join(' ')) : []);
  /** What the system posted in #incidents (the console is the announcer: no Slack or Discord here). */
  const incidents = async (): Promise<Reply[]> =>
    (await dbs[0]!.query<{ reply: Reply }>("SELECT m.reply FROM console_messages m JOIN console_channels c ON c.id = m.channel_id WHERE c.name = 'incidents' ORDER BY m.id")).map((r) => r.reply);

  beforeAll(async () => {
    up = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => up.once('listening', r));
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    t = await createTestDatabase('fb_proc_schedule');
    dbs = await Promise.all([0, 1].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
    const yaml = `
roles:
  responders: ["console:alice", "console:bob"]
services:
  litellm:
    deploy: { kind: commands, scale: ["node", "${FAKE}", "${log}", "scale", "{service}", "{replicas}"] }
    replicas: { min: 1, max: 4 }
datastores:
  up: { type: tcp, host: 127.0.0.1, port: ${(up.address() as AddressInfo).port} }
  down: { type: tcp, host: 127.0.0.1, port: ${closedPort} }
actions:
  disk-usage:
    description: How full the disks are
    read_only: true
    argv: ["node", "${FAKE}", "${log}", "disk-usage"]
procedures:
  daily-check:
    description: Is everything up, and how full are the disks
    schedule: "0 3 * * *"
    steps:
      - check: up
      - run: "/run disk-usage"
  nightly-restart:
    description: Scale litellm to 2
    schedule: "0 4 * * *"
    steps:
      - run: "/scale litellm 2"
  weekly-disk:
    description: Disk usage, then a check that fails
    schedule: "0 6 * * 1"
    steps:
      - run: "/run disk-usage"
      - check: down
      - run: "/run disk-usage"
  every-second:
    description: A check every second
    schedule: "* * * * * *"
    steps:
      - check: up
`;
    apps = await Promise.all(dbs.map((db) => testApp(yaml, { db })));
    schedulers = apps.map((a) => new ProcedureScheduler<AppPorts>(a.loaded.config, a.ports));
  });
  afterAll(async () => {
    for (const s of schedulers ?? []) await s.stop();
    for (const a of apps ?? []) await a.close();
    for (const d of dbs ?? []) await d.close();
    await t?.drop();
    await new Promise((r) => up?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('a read-only procedure runs once per slot, whichever replicas fire it, and its report is in #incidents', async () => {
    const when = new Date('2026-12-07T03:00:00.000Z');
    const outcomes = await Promise.all(schedulers.map((s) => s.fire('daily-check', when)));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['ran', 'slot-taken']);
    expect(outcomes.find((o) => o.kind === 'ran')).toMatchObject({ ok: true });
    // Fired again later (a replica whose clock is behind): the slot is taken.
    expect(await schedulers[1]!.fire('daily-check', new Date(when.getTime() + 400))).toEqual({ kind: 'slot-taken' });
    expect(calls()).toEqual(['disk-usage']);

    const reports = (await incidents()).filter((r) => r.title.startsWith('Procedure daily-check'));
    expect(reports).toHaveLength(1);
    expect(reports[0]!.title).toBe('Procedure daily-check: all 2 steps done');
    expect(reports[0]!.rows!.map((r) => `${r.cells[0]} ${r.cells[2]}`)).toEqual(['1. ✅ ok', '2. ✅ ok']);
    expect(reports[0]!.context).toContain('unattended (read-only): schedule 0 3 * * *, slot 2026-12-07T03:00:00.000Z');
    expect(reports[0]!.buttons).toBeUndefined();
    // On the timeline as the schedule's.
    const events = await apps[0]!.ports.timeline.list({ limit: 100, newest: true });
    expect(events.filter((e) => e.kind === 'procedure.finished' && e.detail.procedure === 'daily-check').map((e) => [e.actor.name, e.outcome])).toEqual([['schedule', 'ok']]);
    // Its read-only action step is marked so, and so never taken as an incident's mitigation.
    expect(events.filter((e) => e.kind === 'action.finished' && e.detail.procedure === 'daily-check').map((e) => [e.text, e.detail.readOnly])).toEqual([[expect.stringContaining('disk-usage'), true]]);
  });

  it('a read-only procedure that fails stops there: its report offers Retry / Skip / Abort and it holds nothing meanwhile', async () => {
    const before = calls().length;
    const o = await schedulers[0]!.fire('weekly-disk', new Date('2026-12-07T06:00:00.000Z'));
    expect(o).toMatchObject({ kind: 'ran', ok: false });
    expect(calls().slice(before)).toEqual(['disk-usage']);
    const report = (await incidents()).find((r) => r.title.startsWith('Procedure weekly-disk'))!;
    expect(report.title).toBe('Procedure weekly-disk: step 2 of 3 failed');
    expect(report.status).toBe('error');
    expect(report.buttons!.map((b) => b.label)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect(await apps[0]!.ports.leases.current('action:disk-usage')).toBeNull();
    // A person skips the failed check from the report: the rest runs.
    const skipped = await apps[1]!.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: report.buttons![1]!.actionId } });
    expect(skipped.reply.title).toBe('Procedure weekly-disk: all 3 steps done');
    expect(calls().slice(before)).toEqual(['disk-usage', 'disk-usage']);
  });

  it('a procedure that changes things posts its confirmation card on schedule, once, runs nothing, and a person confirms it', async () => {
    const before = calls().length;
    const outcomes = await Promise.all(schedulers.map((s) => s.fire('nightly-restart', new Date('2026-12-07T04:00:00.000Z'))));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['card', 'slot-taken']);
    expect(calls().slice(before)).toEqual([]);
    const cards = (await incidents()).filter((r) => r.title.includes('nightly-restart'));
    expect(cards).toHaveLength(1);
    const card = cards[0]!;
    expect(card.title).toBe('Run procedure nightly-restart (1 steps)?');
    expect(card.context).toMatch(/^Requested by schedule · expires in \d+ min · schedule 0 4 \* \* \*, slot 2026-12-07T04:00:00.000Z$/);
    expect(card.fields?.map((f) => f.value)).toEqual([expect.stringMatching(/^\/scale litellm 2 → node .*append-argv\.mjs .* scale litellm 2$/)]);
    const confirm = card.buttons!.find((b) => b.label === 'Run procedure')!.actionId;

    // Someone without the role cannot; someone with it can, on either replica.
    const denied = await apps[0]!.dispatcher.dispatch({ actor: mallory, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    expect(denied.status).toBe('denied');
    expect(calls().slice(before)).toEqual([]);
    const done = await apps[1]!.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    expect(done.reply.title).toBe('Procedure nightly-restart: all 1 steps done');
    expect(calls().slice(before)).toEqual(['scale litellm 2']);
  });

  it('through a real per-second cron on both replicas, each slot runs once and reports once', async () => {
    for (const s of schedulers) s.start();
    const slots = async () => (await dbs[0]!.query<{ slot: Date }>("SELECT slot FROM procedure_slots WHERE procedure = 'every-second'")).length;
    await waitFor(async () => (await slots()) >= 3, 60_000, 'three per-second slots');
    for (const s of schedulers) await s.stop();
    const n = await slots();
    const runs = await dbs[0]!.query<{ status: string }>("SELECT status FROM procedure_runs WHERE procedure = 'every-second'");
    expect(runs).toHaveLength(n);
    expect(runs.every((r) => r.status === 'done')).toBe(true);
    expect((await incidents()).filter((r) => r.title === 'Procedure every-second: all 1 steps done')).toHaveLength(n);
  });
});
