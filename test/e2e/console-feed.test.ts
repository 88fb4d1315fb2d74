import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChatPort } from '../../src/chat/console/chat-port.js';
import type { Db } from '../../src/store/db.js';
import { SqlConsoleMessageRepository } from '../../src/store/console-message-repository.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { createTestDatabase } from '../support/postgres.js';

const BIN = resolve('bin/firebreak.js');
const session = `fb-console-${randomBytes(4).toString('hex')}`;
const embeddedSession = `${session}-embedded`;

const pane = async (name = session) => String((await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', name])).stdout);

/** Waits until the terminal shows `pattern`, with a deadline generous enough for a busy machine. */
async function paneShows(pattern: RegExp, deadlineMs = 60_000, name = session): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const text = await pane(name);
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`the console never showed ${pattern}; it shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `firebreak console` in a real terminal (tmux) on PostgreSQL, and another process — this test —
 * posting through the real console chat port into the same store, as a server replica would.
 */
describe('firebreak console in a terminal', () => {
  let db: Db;
  let drop: () => Promise<void>;
  let port: ConsoleChatPort;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = await openPostgres(t.url);
    await migrate(db);
    port = new ConsoleChatPort(new SqlConsoleMessageRepository(db));
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-console-'));
    const env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn', DATABASE_URL: t.url, FIREBREAK_DATA_DIR: join(dir, 'data') };
    const assignments = Object.entries(env).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`);
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', `cd '${dir}' && exec env -i ${assignments.join(' ')} node '${BIN}' console --as alice`,
      // A console that exits (a crash at start) stays on screen for paneShows to report.
      ';', 'set-option', '-t', session, 'remain-on-exit', 'on']);
  });
  afterAll(async () => {
    await execa('tmux', ['kill-session', '-t', session], { reject: false });
    await db?.close();
    await drop?.();
  });

  it('shows a message posted while it is open, then its update, and presses its button', async () => {
    await paneShows(/firebreak \(alice\)> $/m);
    const ref = await port.postMessage(
      { name: 'incidents' },
      { title: 'Backup failed: app', status: 'error', text: 'pg_dump exited 1', buttons: [{ actionId: 'run:/help', label: 'Help' }] },
    );
    const id = ref.messageId;
    const posted = await paneShows(new RegExp(`── #incidents · message ${id} ──\\n❌ Backup failed: app\\n  pg_dump exited 1\\n  Buttons: \\[Help\\] run:/help\\n`));
    // Drawn above the prompt, which is shown again so typing carries on.
    expect(posted).toMatch(/Buttons: \[Help\] run:\/help\nfirebreak \(alice\)> $/m);

    await port.updateMessage(ref, { title: 'Backup failed: app (retry at 03:00)', status: 'error', buttons: [{ actionId: 'run:/help', label: 'Help' }] });
    await paneShows(new RegExp(`── #incidents · message ${id} · updated ──\\n❌ Backup failed: app \\(retry at 03:00\\)\\n`));

    await execa('tmux', ['send-keys', '-t', session, '!run:/help', 'Enter']);
    await paneShows(/> !run:\/help\nFirebreak commands\n(.|\n)*\/health \[SERVICE\]/);
    // Pressed as the console user, in the channel of the message the button was on.
    const rows = await db.query<{ text: string; actor_id: string; channel_name: string }>("SELECT text, actor_id, channel_name FROM timeline_events WHERE kind = 'command'");
    expect(rows).toEqual([{ text: '/help', actor_id: 'alice', channel_name: 'incidents' }]);
  }, 240_000);
});

/**
 * The fresh-machine loop: `firebreak start` on the embedded store, `firebreak console` beside it
 * (forwarding to the server), and the server posting on its own — a failed /backup now reports in
 * #incidents, which with no Slack or Discord is the console platform.
 */
describe('firebreak console beside firebreak start on the embedded store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-console-embedded-'));
  const env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn', FIREBREAK_DATA_DIR: join(dir, 'data'), PORT: '0' };
  let server: ReturnType<typeof execa>;

  beforeAll(async () => {
    // A backup target nobody listens on: /backup now fails, and the server reports it.
    writeFileSync(join(dir, 'firebreak.yml'), `console:\n  allow_as: true\nroles:\n  responders: ["console:alice"]\nbackups:\n  targets:\n    app: { type: postgres, url: "postgres://nobody@127.0.0.1:9/app" }\n  destination: { dir: "${join(dir, 'backups')}" }\n`);
    server = execa('node', [BIN, 'start'], { cwd: dir, env, extendEnv: false, reject: false });
    await new Promise<void>((resolveUp, reject) => {
      const timer = setTimeout(() => reject(new Error('firebreak start did not come up')), 60_000);
      server.stderr?.on('data', (d: Buffer) => {
        if (d.toString().includes('Firebreak is running')) {
          clearTimeout(timer);
          resolveUp();
        }
      });
    });
    const assignments = Object.entries(env).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`);
    await execa('tmux', ['new-session', '-d', '-s', embeddedSession, '-x', '200', '-y', '50', `cd '${dir}' && exec env -i ${assignments.join(' ')} node '${BIN}' console --as alice`, ';', 'set-option', '-t', embeddedSession, 'remain-on-exit', 'on']);
  }, 120_000);
  afterAll(async () => {
    await execa('tmux', ['kill-session', '-t', embeddedSession], { reject: false });
    server?.kill('SIGTERM');
    await server;
  });

  it('shows the report the server posted while it was open', async () => {
    await paneShows(/firebreak \(alice\)> $/m, 60_000, embeddedSession);
    const run = await execa('node', [BIN, 'run', '/backup now app', '--as', 'alice'], { cwd: dir, env, extendEnv: false, reject: false });
    expect(run.exitCode).toBe(1);
    await paneShows(/── #incidents · message \d+ ──\n❌ Backup of app failed/, 60_000, embeddedSession);
  }, 240_000);
});
