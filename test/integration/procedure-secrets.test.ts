import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult, Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { Reply } from '../../src/core/reply.js';
import { buildApp, type App } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { alice, bob, configFrom, consoleChan, testRuntime } from '../support/app.js';
import { borrowStore } from '../support/store-pool.js';

/** The secret of this file: letters and digits only, so no escaping can hide a leak from the grep. */
const NEW_KEY = 'sk-procKey7Bv3Nm6Qw2Ez';
const NEEDLE = 'procKey7Bv3Nm6Qw2Ez';

function configYaml(dir: string): string {
  return `
roles:
  responders: ["console:alice", "console:bob"]
actions:
  rotate-key:
    description: Rotate the OpenAI key (runbook 004)
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    env: { OPENAI_API_KEY: "{new_key}", STORE: "{store}" }
    argv: [node, test/fakes/record-env.mjs, "${join(dir, 'env.json')}"]
procedures:
  rotate:
    description: Rotate the key in one store, check, then the next
    params:
      store: { type: string, pattern: "store-[0-9]+" }
      new_key: { type: string, secret: true, pattern: "sk-[A-Za-z0-9_-]{8,}", description: the new OpenAI key }
    steps:
      - run: /run rotate-key store={store}
      - approve: Does the first store serve with the new key?
      - run: /run rotate-key store=store-99
  forgetful:
    description: A step whose action needs a secret the procedure does not pass
    steps:
      - run: /run rotate-key store=store-1
`;
}

describe('procedures with secret params: asked privately, sealed in the run, only ever in the tool\'s env', { timeout: 120_000 }, () => {
  let dir: string;
  let app: App;
  let db: Db;
  const logLines: string[] = [];
  const posted: Reply[] = [];
  const sink = { progress: async (r: Reply) => void posted.push(r) };

  const type = (actor: Actor, text: string, extra: Partial<Invocation> = {}): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text }, ...extra }, sink);
  const press = (actor: Actor, actionId: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } }, sink);
  const button = (r: DispatchResult, prefix: string): string => {
    const b = r.reply.buttons?.find((x) => x.label === prefix || x.actionId.startsWith(prefix));
    if (!b) throw new Error(`no ${prefix} button on "${r.reply.title}": ${JSON.stringify(r.reply.buttons)}`);
    return b.actionId;
  };
  const envFile = () => join(dir, 'env.json');
  const toolEnv = (): Record<string, string> => JSON.parse(readFileSync(envFile(), 'utf8')) as Record<string, string>;
  /** Every place a person or an operator could read: the timeline, confirmations, stored runs, posted cards, logs. */
  const everything = async (replies: DispatchResult[]) =>
    JSON.stringify(await db.query('SELECT * FROM timeline_events')) +
    JSON.stringify(await db.query('SELECT * FROM confirmations')) +
    JSON.stringify(await db.query('SELECT * FROM procedure_runs')) +
    JSON.stringify(posted) +
    JSON.stringify(replies.map((r) => r.reply)) +
    logLines.join('');
  const sealedRef = async (): Promise<string> => {
    const rows = await db.query<{ state: { sealed: { ref: string } } }>("SELECT state FROM procedure_runs WHERE procedure = 'rotate' ORDER BY created_at DESC LIMIT 1");
    return rows[0]!.state.sealed.ref;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-proc-secrets-'));
    db = await borrowStore();
    const logs = new Writable({ write: (chunk, _enc, cb) => (logLines.push(String(chunk)), cb()) });
    app = await buildApp(testRuntime({ logLevel: 'debug' }), configFrom(configYaml(dir)), { db, logDestination: logs, defaultMetrics: false });
  }, 120_000);
  afterAll(async () => {
    await app.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => rmSync(envFile(), { force: true }));

  it('asks for the secret privately, passes it by name to the /run steps through env, across a gate, and leaves no trace', async () => {
    const prompt = app.dispatcher.secretPrompt({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/procedure rotate store=store-1' } });
    expect(prompt).toEqual({ title: 'rotate', commandText: '/procedure rotate store=store-1', fields: [{ name: 'new_key', label: 'new_key: the new OpenAI key', required: true }] });
    const missing = await type(alice, '/procedure rotate store=store-1');
    expect(missing.status).toBe('invalid');
    expect(missing.reply.text).toMatch(/needs the secret new_key, which was not given/);

    const card = await type(alice, '/procedure rotate store=store-1', { secrets: new Map([['new_key', NEW_KEY]]) });
    expect(card.status, card.reply.text).toBe('pending');
    expect(card.reply.fields).toContainEqual({ label: 'new_key', value: '•••••• (given privately)' });
    expect(JSON.stringify(card.reply.fields)).toContain('/run rotate-key store=store-1');
    // Stored: ciphertext only; the key is in coordination.
    expect(await everything([card])).not.toContain(NEEDLE);

    const gated = await press(bob, button(card, 'confirm:'));
    expect(gated.reply.title).toBe('Procedure rotate: step 2 of 3 waits for a person');
    expect(toolEnv().OPENAI_API_KEY).toBe(NEW_KEY);
    expect(toolEnv().STORE).toBe('store-1');
    // Held again while the gate waits.
    const ref = await sealedRef();
    const waitingKey = await app.coordination.takeHeld(`secret:${ref}`);
    expect(waitingKey).not.toBeNull();
    await app.coordination.hold(`secret:${ref}`, waitingKey!, 60_000);

    rmSync(envFile());
    const done = await press(bob, button(gated, 'Approve'));
    expect(done.status, JSON.stringify(done.reply)).toBe('ok');
    expect(done.reply.title).toBe('Procedure rotate: all 3 steps done');
    expect(toolEnv().OPENAI_API_KEY).toBe(NEW_KEY);
    expect(toolEnv().STORE).toBe('store-99');

    const finished = (await db.query<{ argv: string[] | null; output: string | null }>("SELECT argv, output FROM timeline_events WHERE kind = 'action.finished' AND command = 'run'"));
    expect(finished).toHaveLength(2);
    // argv never held it; what the tool wrote (its env) is not in the output, and the key is masked wherever it might be.
    for (const f of finished) expect(f.argv).toEqual(['node', 'test/fakes/record-env.mjs', envFile()]);
    expect(await everything([card, gated, done])).not.toContain(NEEDLE);
    // Finished: the key is dropped at once, so the stored ciphertext can never be read again.
    expect(await app.coordination.takeHeld(`secret:${ref}`)).toBeNull();
  });

  it('a later step whose secret is no longer held fails and is never run without it', async () => {
    const card = await type(alice, '/procedure rotate store=store-2', { secrets: new Map([['new_key', NEW_KEY]]) });
    const gated = await press(bob, button(card, 'confirm:'));
    expect(gated.reply.title).toBe('Procedure rotate: step 2 of 3 waits for a person');
    // What an expired hold (or a restarted holder) looks like: the key is gone from coordination.
    expect(await app.coordination.takeHeld(`secret:${await sealedRef()}`)).not.toBeNull();
    rmSync(envFile());
    const failed = await press(bob, button(gated, 'Approve'));
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed.reply)).toContain('the secret is no longer held: start the procedure again (/procedure rotate)');
    expect(existsSync(envFile())).toBe(false);
    // Retry cannot bring it back either.
    const retried = await press(bob, button(failed, 'Retry step'));
    expect(retried.status).toBe('failed');
    expect(existsSync(envFile())).toBe(false);
    expect(await everything([card, gated, failed, retried])).not.toContain(NEEDLE);
  });

  it('a step whose action needs a secret the procedure does not declare is refused before anything runs', async () => {
    const r = await type(alice, '/procedure forgetful');
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe(
      "step 1: /run rotate-key store=store-1: it needs the secret new_key, which the procedure does not pass; declare new_key under the procedure's params as a secret param: a procedure's secret reaches a step's secret of the same name, and is asked for privately when the procedure is requested. Nothing was run.",
    );
  });
});
