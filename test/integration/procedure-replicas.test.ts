import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const FAKE = resolve('test/fakes/append-argv.mjs');

/** Two replicas on one PostgreSQL: a procedure's card is pressed on either, and decided once. */
describe('a procedure run across replicas', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-procedure-replicas-'));
  const log = join(dir, 'calls.jsonl');
  let t: Awaited<ReturnType<typeof createTestDatabase>>;
  let dbs: Db[];
  let apps: App[];
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as string[]).join(' ')) : []);
  const type = (app: App, actor: Actor, text: string) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text } });
  const press = (app: App, actor: Actor, actionId: string) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });
  const button = (r: DispatchResult, label: string) => r.reply.buttons!.find((b) => b.label === label)!.actionId;

  beforeAll(async () => {
    t = await createTestDatabase('fb_proc_replicas');
    dbs = await Promise.all([0, 1].map(() => openPostgres(t.url)));
    await migrate(dbs[0]!);
    const yaml = `
roles:
  responders: ["console:alice", "console:bob"]
services:
  litellm:
    deploy: { kind: commands, scale: ["node", "${FAKE}", "${log}", "scale", "{service}", "{replicas}"] }
    replicas: { min: 1, max: 4 }
procedures:
  gated:
    description: Stop, ask, start
    steps:
      - { run: "/scale litellm 0", below_min: true }
      - approve: "Smoke tests green?"
      - run: "/scale litellm 2"
`;
    apps = await Promise.all(dbs.map((db) => testApp(yaml, { db })));
  });
  afterAll(async () => {
    for (const a of apps ?? []) await a.close();
    for (const d of dbs ?? []) await d.close();
    await t?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requested on one, confirmed on the other, the gate pressed on both at once: the run goes on once', async () => {
    const [a, b] = apps as [App, App];
    const card = await type(a, alice, '/procedure gated');
    const waiting = await press(b, bob, button(card, 'Run procedure'));
    expect(waiting.reply.title).toBe('Procedure gated: step 2 of 3 waits for a person');
    // Held across replicas: a /scale typed on the other replica meets the run's lease.
    const typed = await type(a, bob, '/scale litellm 3');
    expect(typed.reply.text).toMatch(/^procedure gated is already running, started by alice at /);

    const approve = button(waiting, 'Approve');
    const both = await Promise.all([press(a, alice, approve), press(b, bob, approve)]);
    const titles = both.map((r) => r.reply.title).sort();
    expect(titles).toContain('Procedure gated: all 3 steps done');
    expect(both.filter((r) => r.status === 'invalid')).toHaveLength(1);
    expect(calls()).toEqual(['scale litellm 0', 'scale litellm 2']);
    expect(await a.ports.leases.current('service:litellm')).toBeNull();
  });
});
