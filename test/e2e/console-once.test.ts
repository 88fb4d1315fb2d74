import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';

const BIN = resolve('bin/firebreak.js');
const session = `fb-console-once-${randomBytes(4).toString('hex')}`;

const pane = async () => String((await execa('tmux', ['capture-pane', '-p', '-J', '-S', '-', '-t', session])).stdout);

async function paneShows(pattern: RegExp, deadlineMs = 90_000): Promise<string> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const text = await pane();
    if (pattern.test(text)) return text;
    if (Date.now() > until) throw new Error(`the console never showed ${pattern}; it shows:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const count = (text: string, needle: string) => text.split(needle).length - 1;
/** What the terminal shows after the line `> typed` up to the next prompt line with something typed. */
function after(text: string, typed: string): string {
  const start = text.indexOf(`> ${typed}\n`);
  expect(start, `the console never echoed "${typed}"`).toBeGreaterThan(-1);
  const rest = text.slice(start + typed.length + 3);
  const next = rest.search(/^firebreak \([^)]*\)> \S/m);
  return next < 0 ? rest : rest.slice(0, next);
}

/**
 * Issue 23, item 11: `firebreak console` in a terminal (tmux) on PostgreSQL, opened mid-incident.
 * It shows what was posted before it opened, names channels by name, and prints what a command or
 * click did once (the same card also reaches the console store, which the feed shows).
 */
describe('firebreak console opened mid-incident', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-console-once-'));
  let drop: () => Promise<void>;
  let env: Record<string, string>;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    writeFileSync(join(dir, 'firebreak.yml'), 'console:\n  allow_as: true\n');
    env = { PATH: process.env.PATH ?? '', HOME: dir, LOG_LEVEL: 'warn', DATABASE_URL: t.url, FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data') };
    // The incident is under way before the console opens: declared by another process on the same database.
    const declared = await execa('node', [BIN, 'run', '/incident declare "api down" sev2', '--as', 'alice'], { cwd: dir, env, extendEnv: false, reject: false, timeout: 90_000 });
    expect(declared.exitCode, String(declared.stderr)).toBe(0);
    const assignments = Object.entries(env).map(([k, v]) => `${k}='${v.replace(/'/g, `'\\''`)}'`);
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '200', '-y', '200', `cd '${dir}' && exec env -i ${assignments.join(' ')} node '${BIN}' console --as alice`, ';', 'set-option', '-t', session, 'remain-on-exit', 'on']);
  }, 150_000);
  afterAll(async () => {
    await execa('tmux', ['kill-session', '-t', session], { reject: false });
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the messages posted before it opened, says where a reply went by channel name, and prints a click\'s card once', async () => {
    const opened = await paneShows(/firebreak \(alice\)> $/m);
    expect(opened).toMatch(/\(the last 2 messages posted before this console opened\)\n── #inc-\d{8}-api-down · message \d+ · pinned ──\n❌ INC-1: api down\n/);
    expect(opened).toMatch(/── #incidents · message \d+ ──\n❌ Incident INC-1 \(SEV2\): api down/);

    await execa('tmux', ['send-keys', '-t', session, '/incident declare "checkout slow"', 'Enter']);
    await paneShows(/> \/incident declare "checkout slow"\n\(posted in #inc-\d{8}-checkout-slow\)\n/);
    // The feed shows the new channel's pinned card (a different face from the reply) before anything else is typed.
    await paneShows(/── #inc-\d{8}-checkout-slow · message \d+ · pinned ──\n❌ INC-2: checkout slow\n/);

    await execa('tmux', ['send-keys', '-t', session, '!inc-lead:INC-1', 'Enter']);
    await paneShows(/alice is already the lead of INC-1\./);
    // A later change that the feed shows: anything the click echoed would come before it.
    await execa('tmux', ['send-keys', '-t', session, '/incident status monitoring --incident INC-1', 'Enter']);
    const text = await paneShows(/message \d+ · updated · pinned ──\n\S* ?INC-1: api down\n  Severity: SEV2\n  Status: Monitoring(.|\n)*firebreak \(alice\)> $/m);

    expect(text).not.toMatch(/posted in #C\d/);
    // The new incident's card: printed with the reply, not again by the feed.
    expect(count(after(text, '/incident declare "checkout slow"'), 'INC-2: checkout slow\n')).toBe(1);
    // The clicked card: "(card updated)" once, not again as a feed update. The feed shows changes in
    // order, so an echo of the click would come before the card's next change (Status: Monitoring).
    const fromClick = text.slice(text.indexOf('> !inc-lead:INC-1\n'));
    expect(count(fromClick.slice(0, fromClick.indexOf('Status: Monitoring')), 'Buttons: [Update status] inc-status:INC-1')).toBe(1);
  }, 240_000);
});
