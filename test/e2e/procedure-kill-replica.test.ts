import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.js';
import { createTestDatabase } from '../support/postgres.js';
import { killPidInFile, readPid } from '../support/pid-file.js';
import { waitFor } from '../support/wait.js';

const BIN = resolve('bin/firebreak.js');
const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');

/**
 * Two Firebreak processes on one PostgreSQL: a `firebreak start` replica, and a `firebreak run
 * "/procedure drain" --yes` process that runs the procedure itself (with DATABASE_URL the CLI is a
 * full peer on the store, holding the run's leases). That process is SIGKILLed while step 1's tool
 * runs; the replica notices the run lease expire, marks the step interrupted without running it
 * again, and posts the run's card with Retry / Skip / Abort in the channel it ran in.
 */
describe('a procedure whose process is SIGKILLed mid-step, picked up by another replica', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-procedure-kill-'));
  const marker = join(dir, 'tool-started');
  const callsLog = join(dir, 'calls.jsonl');
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let replica: ResultPromise | undefined;
  let replicaErr = '';
  let runner: ResultPromise | undefined;
  let env: Record<string, string>;

  const query = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> => {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    try {
      return (await c.query<T>(sql)).rows;
    } finally {
      await c.end();
    }
  };
  const calls = () => (existsSync(callsLog) ? readFileSync(callsLog, 'utf8').trim().split('\n').filter(Boolean) : []);

  beforeAll(async () => {
    db = await createTestDatabase('fb_proc_kill');
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
console:
  allow_as: true
roles:
  responders: ["console:alice"]
actions:
  slow-drain:
    description: Drain the queue slowly
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(marker)}, "300", ${JSON.stringify(callsLog)}]
    timeout_s: 600
procedures:
  drain:
    description: Drain the queue, then tell the team
    steps:
      - run: "/run slow-drain"
      - manual: "Tell the team the queue is drained"
`,
    );
    env = { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), DATABASE_URL: db.url, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', HOME: dir };
    replica = execa('node', [BIN, 'start'], { cwd: dir, env: { ...env, PORT: '0', FIREBREAK_DATA_DIR: join(dir, 'replica') }, extendEnv: false, reject: false });
    replica.stderr?.on('data', (d: Buffer) => (replicaErr += d.toString()));
    await waitFor(() => replicaErr.includes('Firebreak is running'), 90_000, 'firebreak start to come up');
  }, 120_000);

  afterAll(async () => {
    for (const p of [runner, replica]) {
      p?.kill('SIGKILL');
      await p?.catch(() => {});
    }
    // The tool the killed process started is nobody's child now: it must not outlive the test.
    killPidInFile(marker);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the step is marked interrupted, not run again, and the card offers Retry / Skip / Abort', async () => {
    runner = execa('node', [BIN, 'run', '/procedure drain', '--as', 'alice', '--yes'], { cwd: dir, env: { ...env, FIREBREAK_DATA_DIR: join(dir, 'runner') }, extendEnv: false, reject: false });
    await waitFor(() => readPid(marker), 90_000, 'the step’s tool to start');
    const [running] = await query<{ id: string; status: string }>("SELECT id, status FROM procedure_runs WHERE procedure = 'drain'");
    expect(running?.status).toBe('running');
    runner.kill('SIGKILL');
    await runner.catch(() => {});

    // The run lease expires within 30 s of the kill and the replica sweeps every 15 s.
    const card = await waitFor(
      async () =>
        (await query<{ reply: Reply }>("SELECT reply FROM console_messages WHERE channel_id = 'console' ORDER BY id")).map((m) => m.reply).find((r) => r.title === 'Procedure drain: step 1 of 2 was interrupted — outcome unknown'),
      120_000,
      'the replica to post the interrupted run’s card',
    );
    expect(card.buttons?.map((b) => b.label)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect(card.buttons?.[0]?.actionId).toBe(`procedure:retry:${running!.id}:0`);
    expect(card.text).toContain('what it changed is unknown');
    expect(JSON.stringify(card.rows?.[0]?.cells)).toContain('interrupted — outcome unknown');

    const [run] = await query<{ status: string; state: { steps: { state: string; attempts: number }[] } }>(`SELECT status, state FROM procedure_runs WHERE id = '${running!.id}'`);
    expect(run?.status).toBe('interrupted');
    expect(run?.state.steps.map((s) => [s.state, s.attempts])).toEqual([
      ['interrupted', 1],
      ['pending', 0],
    ]);
    expect(calls()).toHaveLength(1);
    expect(replicaErr).toContain(`procedure drain (run ${running!.id}) was running on a process that stopped: marked interrupted`);

    // A person decides: Skip goes on from the next step, on any process; the tool is not started again.
    const skipped = await execa('node', [BIN, 'run', '--action', card.buttons![1]!.actionId, '--as', 'alice'], { cwd: dir, env: { ...env, FIREBREAK_DATA_DIR: join(dir, 'presser') }, extendEnv: false, reject: false, timeout: 90_000 });
    expect(String(skipped.stdout)).toContain('Procedure drain: step 2 of 2 waits for a person');
    expect(calls()).toHaveLength(1);
    // One card, however many sweeps ran since.
    const cards = await query<{ reply: Reply }>("SELECT reply FROM console_messages WHERE channel_id = 'console'");
    expect(cards.filter((m) => m.reply.title.startsWith('Procedure drain: step 1 of 2 was interrupted'))).toHaveLength(1);
  }, 300_000);
});
