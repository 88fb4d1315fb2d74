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
 * Four Firebreak processes on one PostgreSQL: two `firebreak start` replicas (A, B), a
 * `firebreak run "/run slow-drain" --yes` process that confirms and runs the step itself (with
 * DATABASE_URL the CLI is a full peer on the store: the same confirmation flow and step runner as a
 * replica, holding the step's lease), and a `firebreak run "/run slow-flush"` of a `confirm: false`
 * action (no card, run at once). Both are SIGKILLed while their tools run. Once their leases
 * expire, one of A and B records each step interrupted (outcome unknown) and posts a note in the
 * console channel — once, although both sweep; no tool is started again.
 */
describe('a confirmed step whose process is SIGKILLed mid-run, reported once by the replicas', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-step-kill-'));
  const marker = join(dir, 'tool-started');
  const callsLog = join(dir, 'calls.jsonl');
  const flushMarker = join(dir, 'flush-started');
  const flushCalls = join(dir, 'flush-calls.jsonl');
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
  const linesOf = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);
  const calls = () => linesOf(callsLog);
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
  slow-flush:
    description: Flush the cache slowly, without asking first
    confirm: false
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(flushMarker)}, "300", ${JSON.stringify(flushCalls)}]
    timeout_s: 30
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
    killPidInFile(flushMarker);
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each step is recorded interrupted once, a note says so in its channel, and each ran once — confirmed or confirm: false', async () => {
    const runOpts = (name: string) => ({ cwd: dir, env: { ...env, FIREBREAK_DATA_DIR: join(dir, name) }, extendEnv: false, reject: false });
    const runner = execa('node', [BIN, 'run', '/run slow-drain', '--as', 'alice', '--yes'], runOpts('runner'));
    // confirm: false: no card and no --yes; the step starts at once.
    const flusher = execa('node', [BIN, 'run', '/run slow-flush', '--as', 'alice'], runOpts('flusher'));
    procs.push(runner, flusher);
    const toolPid = await waitFor(() => readPid(marker), 90_000, 'the step’s tool to start');
    expect(parentOf(toolPid)).toBe(runner.pid);
    const flushPid = await waitFor(() => readPid(flushMarker), 90_000, 'the confirm: false step’s tool to start');
    expect(parentOf(flushPid)).toBe(flusher.pid);
    const startedOf = async (action: string) =>
      (await query<{ invocation_id: string }>(`SELECT invocation_id FROM timeline_events WHERE kind = 'action.started' AND command = 'run' AND argv::text LIKE '%${action === 'slow-drain' ? 'tool-started' : 'flush-started'}%'`))[0];
    const started = await waitFor(() => startedOf('slow-drain'), 30_000, 'slow-drain’s action.started');
    const flushStarted = await waitFor(() => startedOf('slow-flush'), 30_000, 'slow-flush’s action.started');
    runner.kill('SIGKILL');
    flusher.kill('SIGKILL');
    await runner.catch(() => {});
    await flusher.catch(() => {});

    // The step leases (60 s each) expire after the kill and the replicas sweep every 15 s.
    const notesNow = async () => (await query<{ reply: Reply }>("SELECT reply FROM console_messages WHERE channel_id = 'console' ORDER BY id")).map((m) => m.reply).filter((r) => r.title.startsWith('Interrupted: '));
    const notes = await waitFor(async () => ((await notesNow()).length >= 2 ? notesNow() : null), 150_000, 'a replica to post that both steps were interrupted');
    expect(notes.map((n) => n.title).sort()).toEqual(['Interrupted: Run slow-drain?', 'Interrupted: Run slow-flush']);
    for (const note of notes) {
      expect(note.status).toBe('error');
      expect(note.text).toContain('the Firebreak replica running it stopped before it finished, so its outcome is unknown. It was not run again');
    }
    expect(notes.find((n) => n.title === 'Interrupted: Run slow-flush')!.text).toMatch(/^\/run: "Run slow-flush" was interrupted/);

    for (const s of [started, flushStarted]) {
      const finished = await query<{ outcome: string; actor_name: string; detail: { interrupted?: string } }>(
        `SELECT outcome, actor_name, detail FROM timeline_events WHERE kind = 'action.finished' AND invocation_id = '${s.invocation_id}'`,
      );
      expect(finished).toHaveLength(1);
      expect(finished[0]).toMatchObject({ outcome: 'interrupted', actor_name: 'alice', detail: { interrupted: 'process-gone' } });
    }
    // One log line per step, on one replica (a log line is JSON: the title's quotes are escaped).
    const said = (title: string) => [logs.a, logs.b].flatMap((l) => l.split('\n')).filter((l) => l.includes(title) && l.includes('was running on a Firebreak process that stopped: recorded as interrupted'));
    expect(said('Run slow-drain?')).toHaveLength(1);
    expect(said('Run slow-flush')).toHaveLength(1);
    expect(procs.slice(0, 2).map((p) => p.exitCode)).toEqual([null, null]);

    // Nothing left "started", nothing re-run, one note each however many sweeps ran since (a pass at least 15 s later).
    for (const s of [started, flushStarted]) {
      const [c] = await query<{ finished_at: Date | null }>(`SELECT finished_at FROM confirmations WHERE invocation_id = '${s.invocation_id}'`);
      expect(c?.finished_at).not.toBeNull();
      await waitFor(async () => (await query<{ interrupted_note: string }>(`SELECT interrupted_note FROM confirmations WHERE invocation_id = '${s.invocation_id}'`))[0]?.interrupted_note === 'shown', 60_000, 'the note to be marked shown');
    }
    await new Promise((r) => setTimeout(r, 16_000));
    expect(await notesNow()).toHaveLength(2);
    for (const s of [started, flushStarted]) expect(await query(`SELECT 1 FROM timeline_events WHERE kind = 'action.finished' AND invocation_id = '${s.invocation_id}'`)).toHaveLength(1);
    expect(calls()).toHaveLength(1);
    expect(linesOf(flushCalls)).toHaveLength(1);
  }, 300_000);
});
