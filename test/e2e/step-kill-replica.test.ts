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

/** The parent pid of a process, from /proc (Linux): which replica started the tool. */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // "pid (comm) state ppid …": comm may hold spaces, so read after its closing parenthesis.
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Three Firebreak processes on one PostgreSQL: two `firebreak start` replicas (A, B), and a
 * `firebreak run "/run slow-drain" --yes` process that confirms and runs the step itself (with
 * DATABASE_URL the CLI is a full peer on the store: the same confirmation flow and step runner as a
 * replica, holding the step's lease). That process is SIGKILLed while the tool runs. Once its lease
 * expires, one of A and B records the step interrupted (outcome unknown) and posts a note in the
 * console channel — once, although both sweep; the tool is not started again.
 */
describe('a confirmed step whose process is SIGKILLed mid-run, reported once by the replicas', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-step-kill-'));
  const marker = join(dir, 'tool-started');
  const callsLog = join(dir, 'calls.jsonl');
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const procs: ResultPromise[] = [];
  const logs = { a: '', b: '' };
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
  const start = (name: 'a' | 'b') => {
    const p = execa('node', [BIN, 'start'], { cwd: dir, env: { ...env, PORT: '0', FIREBREAK_DATA_DIR: join(dir, name) }, extendEnv: false, reject: false });
    p.stderr?.on('data', (d: Buffer) => (logs[name] += d.toString()));
    procs.push(p);
    return p;
  };

  beforeAll(async () => {
    db = await createTestDatabase('fb_step_kill');
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
`,
    );
    env = { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), DATABASE_URL: db.url, LOG_LEVEL: 'warn', PATH: process.env.PATH ?? '', HOME: dir };
    start('a');
    start('b');
    await waitFor(() => logs.a.includes('Firebreak is running') && logs.b.includes('Firebreak is running'), 90_000, 'both replicas to come up');
  }, 120_000);

  afterAll(async () => {
    for (const p of procs) {
      p.kill('SIGKILL');
      await p.catch(() => {});
    }
    // The tool the killed replica started is nobody's child now: it must not outlive the test.
    killPidInFile(marker);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the step is recorded interrupted once, a note says so in its channel, and it ran once', async () => {
    const runner = execa('node', [BIN, 'run', '/run slow-drain', '--as', 'alice', '--yes'], { cwd: dir, env: { ...env, FIREBREAK_DATA_DIR: join(dir, 'runner') }, extendEnv: false, reject: false });
    procs.push(runner);
    const toolPid = await waitFor(() => readPid(marker), 90_000, 'the step’s tool to start');
    expect(parentOf(toolPid)).toBe(runner.pid);
    const [started] = await query<{ invocation_id: string }>("SELECT invocation_id FROM timeline_events WHERE kind = 'action.started' AND command = 'run'");
    expect(started).toBeDefined();
    runner.kill('SIGKILL');
    await runner.catch(() => {});

    // The step lease (60 s) expires after the kill and the replicas sweep every 15 s.
    const note = await waitFor(
      async () => (await query<{ reply: Reply }>("SELECT reply FROM console_messages WHERE channel_id = 'console' ORDER BY id")).map((m) => m.reply).find((r) => r.title.startsWith('Interrupted: ')),
      150_000,
      'a replica to post that the step was interrupted',
    );
    expect(note.status).toBe('error');
    expect(note.text).toContain('the Firebreak replica running it stopped before it finished, so its outcome is unknown. It was not run again');

    const finished = await query<{ outcome: string; actor_name: string; detail: { interrupted?: string } }>(
      `SELECT outcome, actor_name, detail FROM timeline_events WHERE kind = 'action.finished' AND invocation_id = '${started!.invocation_id}'`,
    );
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ outcome: 'interrupted', actor_name: 'alice', detail: { interrupted: 'process-gone' } });
    const said = [logs.a, logs.b].filter((l) => l.includes('was running on a Firebreak process that stopped: recorded as interrupted'));
    expect(said).toHaveLength(1);
    expect(procs.slice(0, 2).map((p) => p.exitCode)).toEqual([null, null]);

    // Nothing left "started", nothing re-run, one note however many sweeps ran since (a pass at least 15 s later).
    const [c] = await query<{ finished_at: Date | null; interrupted_note: string }>(`SELECT finished_at, interrupted_note FROM confirmations WHERE invocation_id = '${started!.invocation_id}'`);
    expect(c?.finished_at).not.toBeNull();
    await waitFor(async () => (await query<{ interrupted_note: string }>(`SELECT interrupted_note FROM confirmations WHERE invocation_id = '${started!.invocation_id}'`))[0]?.interrupted_note === 'shown', 60_000, 'the note to be marked shown');
    await new Promise((r) => setTimeout(r, 16_000));
    const notes = await query<{ reply: Reply }>("SELECT reply FROM console_messages WHERE channel_id = 'console'");
    expect(notes.filter((m) => m.reply.title.startsWith('Interrupted: '))).toHaveLength(1);
    expect(await query(`SELECT 1 FROM timeline_events WHERE kind = 'action.finished' AND invocation_id = '${started!.invocation_id}'`)).toHaveLength(1);
    expect(calls()).toHaveLength(1);
  }, 300_000);
});
