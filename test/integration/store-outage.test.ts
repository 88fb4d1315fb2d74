import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_RECORDED_YET } from '../../src/core/not-recorded.js';
import type { Db } from '../../src/store/db.js';
import type { App } from '../../src/main.js';
import { alice, consoleChan, testApp } from '../support/app.js';
import { FlakyDb } from '../support/flaky-db.js';
import { borrowStore } from '../support/store-pool.js';

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the store goes away while a confirmed action runs', () => {
  let raw: Db;
  let db: FlakyDb;
  let app: App;

  beforeAll(async () => {
    raw = await borrowStore();
    db = new FlakyDb(raw);
    app = await testApp(
      `
roles:
  responders: ["console:alice"]
actions:
  slow:
    argv: [node, -e, "setTimeout(() => console.log('slow done'), 1500)"]
    timeout_s: 30
services:
  litellm:
    deploy:
      kind: commands
      restart: [node, -e, "setTimeout(() => console.log('restarted'), 1500)"]
`,
      { db },
    );
  });
  afterAll(async () => {
    db.down = false;
    await app.close();
    await raw.close();
  });

  it('tells the truth about what ran, records it once the store is back, and frees the lease', async () => {
    const card = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/run slow' } });
    expect(card.status).toBe('pending');
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;

    const running = app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    // The store goes away once the tool is running (its start is recorded, so it may run).
    await until('the action to start', async () => (await raw.query("SELECT 1 FROM timeline_events WHERE kind = 'action.started'")).length > 0);
    db.down = true;
    const done = await running;
    expect(done.status).toBe('ok');
    expect(done.reply.title).toMatch(/^slow: done \(exit 0/);
    expect(done.reply.context).toContain(NOT_RECORDED_YET);
    expect(await raw.query("SELECT 1 FROM timeline_events WHERE kind = 'action.finished'")).toEqual([]);

    // Meanwhile a new command is refused privately, in words, without internal details.
    const refused = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/run slow' } });
    expect(refused.placement).toEqual({ kind: 'private' });
    expect(refused.reply.title).toBe("Firebreak's database is unreachable");
    expect(refused.reply.text).toMatch(/^Nothing was run\. Try again in a minute/);
    expect(JSON.stringify(refused.reply)).not.toMatch(/ECONNREFUSED|48729/);

    db.down = false;
    const finished = await until('the kept event to be written', async () => {
      const rows = await raw.query<{ outcome: string; exit_code: number; at: Date }>("SELECT outcome, exit_code, at FROM timeline_events WHERE kind = 'action.finished'");
      return rows.length > 0 ? rows : null;
    });
    expect(finished.map((r) => [r.outcome, r.exit_code])).toEqual([['ok', 0]]);
    // Released, not left to expire: the row is gone, so the next /run slow is not "already running".
    await until('the lease to be released', async () => (await raw.query("SELECT 1 FROM leases WHERE key = 'action:slow'")).length === 0);
    const again = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/run slow' } });
    expect(again.status).toBe('pending');
  }, 90_000);

  it('a confirmed /restart the same: the card says it finished, the timeline gets it once the store is back', async () => {
    const card = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/restart litellm' } });
    expect(card.status).toBe('pending');
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    const before = (await raw.query("SELECT 1 FROM timeline_events WHERE kind = 'action.started'")).length;
    const running = app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    await until('the restart to start', async () => (await raw.query("SELECT 1 FROM timeline_events WHERE kind = 'action.started'")).length > before);
    db.down = true;
    const done = await running;
    db.down = false;
    expect(done.status).toBe('ok');
    expect(done.reply.title).toMatch(/^litellm restarted/);
    expect(done.reply.context).toContain(NOT_RECORDED_YET);
    const rows = await until('the restart to be recorded', async () => {
      const r = await raw.query<{ command: string; exit_code: number }>("SELECT command, exit_code FROM timeline_events WHERE kind = 'action.finished' AND command = 'restart'");
      return r.length > 0 ? r : null;
    });
    expect(rows).toEqual([{ command: 'restart', exit_code: 0 }]);
  }, 90_000);
});
