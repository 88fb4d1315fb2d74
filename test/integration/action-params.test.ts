import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import { buildApp, type App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { alice, bob, configFrom, consoleChan, testRuntime } from '../support/app.js';
import { borrowStore } from '../support/store-pool.js';

/** The secret of this file: a run of letters and digits, so no escaping can hide a leak from the grep. */
const NEW_KEY = 'sk-newKey8Hq2Lz5Wv9Xc3Rt';
const NEEDLE = 'newKey8Hq2Lz5Wv9Xc3Rt';
const TYPED = 'typedSecret4Jk7Pq1Zx';

function configYaml(dir: string): string {
  const argv = (file: string) => `[node, test/fakes/record-argv.mjs, "${join(dir, file)}"`;
  return `
roles:
  responders: ["console:alice", "console:bob"]
actions:
  migrate:
    confirm: false
    params:
      dry_run: { type: bool, flag: --dry-run }
      batch: { type: int, min: 1, max: 1000, default: 100 }
      mode: { type: enum, values: [fast, safe], default: safe }
    argv: ${argv('migrate.json')}, "{dry_run}", "--batch={batch}", "--mode={mode}"]
  hpa:
    confirm: false
    params:
      min: { type: int, min: 1, max: 50 }
      max: { type: int, min: 1, max: 50 }
    rules: [{ lte: [min, max] }]
    argv: ${argv('hpa.json')}, "{min}", "{max}"]
  flushdb:
    description: FLUSHDB on the cache
    confirm: two_person
    argv: ${argv('flush.json')}]
  rotate-key:
    description: Rotate the OpenAI key (runbook 004)
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    env: { OPENAI_API_KEY: "{new_key}", STORE: "{store}" }
    argv: [node, test/fakes/record-env.mjs]
procedures:
  resize:
    description: Patch the HPA and migrate
    params:
      min: { type: int, min: 1, max: 50 }
      max: { type: int, min: 1, max: 50 }
      # No flag: {dry_run} is true or false, what /run migrate takes.
      dry_run: { type: bool }
      batch: { type: int, min: 1, max: 1000, default: 7 }
    rules: [{ lte: [min, max] }]
    steps:
      - run: /run hpa min={min} max={max}
      - run: /run migrate dry_run={dry_run} batch={batch}
`;
}

describe('action and procedure params: bool, defaults, rules, two_person, secrets', () => {
  let dir: string;
  let app: App;
  let db: Db;
  const logLines: string[] = [];

  const inv = (actor: Actor, text: string, extra: Partial<Invocation> = {}): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text }, ...extra });
  const click = (actor: Actor, actionId: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'action', actionId } });
  const argvOf = (file: string): string[] => JSON.parse(readFileSync(join(dir, file), 'utf8')) as string[];
  const everything = async () => JSON.stringify(await db.query('SELECT * FROM timeline_events')) + JSON.stringify(await db.query('SELECT * FROM confirmations')) + logLines.join('');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-params-'));
    db = await borrowStore();
    const sink = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    app = await buildApp(testRuntime({ logLevel: 'debug' }), configFrom(configYaml(dir)), { db, logDestination: sink, defaultMetrics: false });
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of ['migrate.json', 'hpa.json', 'flush.json']) rmSync(join(dir, f), { force: true });
  });

  it('a bool renders its flag when true and nothing when false; left-out params take their defaults', async () => {
    const off = await app.dispatcher.dispatch(inv(alice, '/run migrate'));
    expect(off.status).toBe('ok');
    expect(argvOf('migrate.json')).toEqual(['--batch=100', '--mode=safe']);
    const on = await app.dispatcher.dispatch(inv(alice, '/run migrate dry_run=true batch=5'));
    expect(on.status).toBe('ok');
    expect(argvOf('migrate.json')).toEqual(['--dry-run', '--batch=5', '--mode=safe']);
    const bad = await app.dispatcher.dispatch(inv(alice, '/run migrate dry_run=maybe'));
    expect(bad.status).toBe('invalid');
    expect(bad.reply.text).toMatch(/^dry_run is true or false; got "maybe"\./);
  });

  it('a cross-param rule refuses min > max with one sentence and runs nothing', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run hpa min=12 max=5'));
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('min (12) must be ≤ max (5). Usage: /run hpa min=1–50 max=1–50');
    expect(existsSync(join(dir, 'hpa.json'))).toBe(false);
    const ok = await app.dispatcher.dispatch(inv(alice, '/run hpa min=5 max=5'));
    expect(ok.status).toBe('ok');
    expect(argvOf('hpa.json')).toEqual(['5', '5']);
  });

  it('procedures use the same params: the rule refuses, bools and defaults fill the steps', async () => {
    const refused = await app.dispatcher.dispatch(inv(alice, '/procedure resize min=9 max=3'));
    expect(refused.status).toBe('invalid');
    expect(refused.reply.text).toBe('min (9) must be ≤ max (3). Usage: /procedure resize min=1–50 max=1–50 [dry_run=true] [batch=1–1000 (default 7)]');
    const card = await app.dispatcher.dispatch(inv(alice, '/procedure resize min=2 max=6 dry_run=yes'));
    expect(card.status, card.reply.text).toBe('pending');
    expect(JSON.stringify(card.reply.fields)).toContain('/run migrate dry_run=true batch=7');
    expect(JSON.stringify(card.reply.fields)).toContain('--dry-run');
  });

  it('confirm: two_person — the requester cannot confirm their own FLUSHDB; someone else can', async () => {
    const card = await app.dispatcher.dispatch(inv(alice, '/run flushdb'));
    expect(card.status).toBe('pending');
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    const self = await app.dispatcher.dispatch(click(alice, confirm));
    expect(self.status).toBe('denied');
    expect(self.reply.text).toBe('Run flushdb? was requested by you; someone else with the "responders" role must confirm it. Nothing was run.');
    expect(existsSync(join(dir, 'flush.json'))).toBe(false);
    const other = await app.dispatcher.dispatch(click(bob, confirm));
    expect(other.status).toBe('ok');
    expect(argvOf('flush.json')).toEqual([]);
  });

  it('a secret typed in the channel is refused, and from then on masked in the timeline and logs', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, `/run rotate-key store=store-1 new_key=${TYPED}`));
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toMatch(/^new_key is a secret and is never typed in the channel: \/run rotate-key asks for it in a private prompt/);
    expect(JSON.stringify(r.reply)).not.toContain(TYPED);
    expect(await everything()).not.toContain(TYPED);
  });

  it('a secret asks for a private prompt, reaches the tool only through env, and shows nowhere', async () => {
    const prompt = app.dispatcher.secretPrompt(inv(alice, '/run rotate-key store=store-9'));
    expect(prompt).toEqual({ title: 'rotate-key', commandText: '/run rotate-key store=store-9', fields: [{ name: 'new_key', label: 'new_key: the new OpenAI key', required: true }] });
    // Without it (a console with no terminal, a button): refused, ask again.
    const missing = await app.dispatcher.dispatch(inv(alice, '/run rotate-key store=store-9'));
    expect(missing.status).toBe('invalid');
    expect(missing.reply.text).toMatch(/needs the secret new_key, which was not given/);

    const card = await app.dispatcher.dispatch(inv(alice, '/run rotate-key store=store-9', { secrets: new Map([['new_key', NEW_KEY]]) }));
    expect(card.status).toBe('pending');
    expect(card.reply.fields).toContainEqual({ label: 'new_key', value: '•••••• (given privately)' });
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    // The stored plan holds only ciphertext: its key is in coordination until Confirm.
    expect(await everything()).not.toContain(NEEDLE);

    const done = await app.dispatcher.dispatch(click(bob, confirm));
    expect(done.status).toBe('ok');
    // record-env.mjs printed its whole environment: the tool had the key…
    const events = await app.ports.timeline.list({ invocationId: done.invocationId });
    const finished = events.find((e) => e.kind === 'action.finished')!;
    expect(finished.argv).toEqual(['node', 'test/fakes/record-env.mjs']);
    // …and what it printed (its environment, the key among it) is masked in the reply and the timeline.
    expect(finished.output).toContain('"OPENAI_API_KEY":"***"');
    expect(finished.output).toContain('"STORE":"store-9"');
    expect(JSON.stringify(done.reply)).not.toContain(NEEDLE);
    expect(await everything()).not.toContain(NEEDLE);
  });

  it('a secret whose hold is gone (expired, used, restarted) is never run without: "ask again"', async () => {
    const card = await app.dispatcher.dispatch(inv(alice, '/run rotate-key store=store-2', { secrets: new Map([['new_key', 'sk-otherKey5Tg7Yh9Uj']]) }));
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!.actionId;
    const stored = await db.query<{ plan: { payload: { sealed: { ref: string } } } }>('SELECT plan FROM confirmations WHERE id = $1', [confirm.replace(/^confirm:/, '')]);
    // What an expired hold looks like: the key is no longer in coordination.
    expect(await app.coordination.takeHeld(`secret:${stored[0]!.plan.payload.sealed.ref}`)).not.toBeNull();
    const r = await app.dispatcher.dispatch(click(alice, confirm));
    expect(r.status).toBe('failed');
    expect(r.reply.text).toBe('The secret given for rotate-key is no longer held (it is kept only until the confirmation expires, and only once). Nothing was run; run /run rotate-key again and you will be asked for it again.');
  });
});
