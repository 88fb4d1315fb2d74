import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher, type Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { alice, bob, configFrom, consoleChan, mallory, testApp } from '../support/app.js';
import { PG_ADMIN_URL } from '../support/postgres.js';

const MASTER_KEY = 'mk-live-7f3a9c1e5b2d8a4f';
const TOOL_TOKEN = 'tt-9a8b7c6d5e4f3a2b';
const root: Actor = { platform: 'console', id: 'root', name: 'root' };

/** A config as an operator would write it: secrets from the environment, the recorder as the admin API. */
function configYaml(base: string, dir: string, closedPort: number): string {
  return `
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:root"]
actions:
  reset-circuit:
    description: Reset a provider's circuit breaker
    params:
      provider: { type: enum, values: [openai, anthropic] }
    http:
      method: POST
      url: ${base}/api/admin/providers/{provider}/reset-circuit
      headers:
        Authorization: Bearer \${MASTER_KEY}
        X-Provider: "{provider}"
  switch-model:
    description: Route a model alias to its fallback
    params:
      alias: { type: string, pattern: "[a-z0-9-]{1,40}" }
      weight: { type: int, min: 1, max: 100 }
      target: { type: enum, values: [gpt-4o-mini, claude-3-5-haiku] }
      note: { type: string, pattern: "[a-z ]{1,40}", required: false }
    http:
      method: PATCH
      url: ${base}/model/{alias}/route?weight={weight}
      headers: { Authorization: "Bearer \${MASTER_KEY}" }
      body: { model_name: "{alias}", weight: "{weight}", litellm_params: { model: "{target}", tags: [fallback, "w{weight}"] }, note: "{note}" }
  lookup:
    params:
      key: { type: string, pattern: "[a-z/ ?&=]{1,20}" }
    http: { method: GET, url: "${base}/keys/{key}?q={key}", expect_status: [200] }
  reset-model:
    params:
      model: { type: string, pattern: "[a-z0-9.%-]{1,40}" }
    http: { method: POST, url: "${base}/api/models/{model}/reset" }
  slow-reset:
    timeout_s: 1
    http: { url: "${base}/slow" }
  closed-port:
    http: { url: "http://127.0.0.1:${closedPort}/nothing" }
  echo-tool:
    description: A local tool
    params:
      provider: { type: enum, values: [openai, anthropic] }
      n: { type: int, min: 1, max: 30 }
    argv: [node, test/fakes/record-argv.mjs, "${join(dir, 'echo.json')}", "--provider={provider}", "{n}", "literal with spaces; $(id)"]
  tool-secret:
    argv: [node, test/fakes/record-argv.mjs, "${join(dir, 'secret.json')}", "--token=\${TOOL_TOKEN}"]
  env-tool:
    env: { OWN_TOKEN: "\${TOOL_TOKEN}" }
    argv: [node, test/fakes/record-env.mjs, "${join(dir, 'env.json')}"]
  bad-sql:
    argv: [psql, "${PG_ADMIN_URL}", -c, "SELEC 1"]
  failing-tool:
    argv: [node, test/fakes/record-argv.mjs, "${join(dir, 'failing.json')}", FAKE_EXIT=3]
  quick-reset:
    confirm: false
    params:
      provider: { type: enum, values: [openai, anthropic] }
    http:
      url: ${base}/quick/{provider}
      headers: { X-Master-Key: "\${MASTER_KEY}" }
  admin-only:
    role: admins
    http: { url: "${base}/admin-only" }
`;
}

describe('/run: custom actions against a local HTTP server and a local tool', () => {
  let recorder: HttpRecorder;
  let dir: string;
  let app: App;

  const inv = (actor: Actor, text: string, extra: Partial<Invocation> = {}): Invocation => ({ actor, channel: consoleChan, input: { kind: 'text', text }, ...extra });
  const click = (actor: Actor, actionId: string): Invocation => ({ actor, channel: consoleChan, input: { kind: 'action', actionId } });
  const allTimelineText = async () => JSON.stringify(await app.db.query('SELECT * FROM timeline_events ORDER BY id'));

  let closedPort: number;

  // One app for the file (migrating PGlite per test is slow); tests look at their own invocation's events.
  beforeAll(async () => {
    recorder = await startHttpRecorder();
    dir = mkdtempSync(join(tmpdir(), 'firebreak-actions-'));
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    app = await testApp(configYaml(recorder.url, dir, closedPort), { env: { MASTER_KEY, TOOL_TOKEN } });
  });
  afterAll(async () => {
    await app.close();
    await recorder.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    recorder.requests.length = 0;
    recorder.respond(200, '{"ok":true}');
    for (const f of ['echo.json', 'secret.json', 'env.json', 'failing.json']) rmSync(join(dir, f), { force: true });
  });

  it('/run with no name lists the actions with their params and bounds', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run'));
    expect(r.status).toBe('ok');
    const rows = r.reply.rows!.map((row) => row.cells);
    expect(rows).toContainEqual(['reset-circuit', "Reset a provider's circuit breaker", 'provider=openai|anthropic', 'needs responders']);
    expect(rows).toContainEqual(['switch-model', 'Route a model alias to its fallback', 'alias=/[a-z0-9-]{1,40}/ weight=1–100 target=gpt-4o-mini|claude-3-5-haiku [note=/[a-z ]{1,40}/]', 'needs responders']);
    expect(rows).toContainEqual(['quick-reset', '', 'provider=openai|anthropic', 'needs responders, runs without confirmation']);
    expect(rows).toContainEqual(['admin-only', '', '(no params)', 'needs admins']);
  });

  it('HTTP action: card shows the exact request, nothing is sent until confirmed, then the server gets it with the secret header', async () => {
    recorder.respond(200, JSON.stringify({ reset: true, seen_auth: `Bearer ${MASTER_KEY}`, echo: MASTER_KEY }));
    const r = await app.dispatcher.dispatch(inv(alice, '/run reset-circuit provider=openai'));
    expect(r.status).toBe('pending');
    expect(r.reply.title).toBe('Run reset-circuit with provider=openai?');
    expect(r.reply.code).toBe(`POST ${recorder.url}/api/admin/providers/openai/reset-circuit`);
    expect(r.reply.fields).toEqual([{ label: 'Action', value: "Reset a provider's circuit breaker" }, { label: 'provider', value: 'openai' }]);
    expect(r.reply.buttons!.map((b) => b.label)).toEqual(['Run', 'Cancel']);
    expect(recorder.requests).toEqual([]);

    const done = await app.dispatcher.dispatch(click(bob, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('ok');
    expect(done.reply.title).toMatch(/^reset-circuit: done \(HTTP 200 in \d+ ms\)$/);
    expect(recorder.requests).toHaveLength(1);
    const got = recorder.requests[0]!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/api/admin/providers/openai/reset-circuit');
    expect(got.headers.authorization).toBe(`Bearer ${MASTER_KEY}`);
    expect(got.headers['x-provider']).toBe('openai');
    expect(got.body).toBe('');

    // The secret the server echoed back is masked in what the user sees and in everything stored.
    expect(done.reply.code).toContain('"seen_auth":"Bearer ***","echo":"***"');
    expect(JSON.stringify(done.reply)).not.toContain(MASTER_KEY);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => e.kind)).toEqual(['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']);
    const finished = events.at(-1)!;
    expect(finished.argv).toEqual(['POST', `${recorder.url}/api/admin/providers/openai/reset-circuit`]);
    expect(finished.outcome).toBe('ok');
    expect(finished.output).toContain('HTTP 200');
    expect(finished.output).toContain('Bearer ***');
    expect(await allTimelineText()).not.toContain(MASTER_KEY);
    expect(JSON.stringify(await app.db.query('SELECT * FROM confirmations'))).not.toContain(MASTER_KEY);
  });

  it('HTTP action: fills the URL, headers and JSON body; an int alone becomes a number; an absent optional param is left out', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run switch-model alias=gpt4-fast weight=25 target=claude-3-5-haiku', { autoConfirm: true }));
    expect(r.status).toBe('ok');
    expect(recorder.requests).toHaveLength(1);
    const got = recorder.requests[0]!;
    expect(got.method).toBe('PATCH');
    expect(got.url).toBe('/model/gpt4-fast/route?weight=25');
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body)).toEqual({ model_name: 'gpt4-fast', weight: 25, litellm_params: { model: 'claude-3-5-haiku', tags: ['fallback', 'w25'] } });

    await app.dispatcher.dispatch(inv(alice, '/run switch-model alias=gpt4-fast weight=3 target=gpt-4o-mini "note=primary is down"', { autoConfirm: true }));
    expect(JSON.parse(recorder.requests[1]!.body)).toMatchObject({ weight: 3, note: 'primary is down' });
  });

  it('HTTP action: values are percent-encoded in the URL so they cannot change its path or query', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run lookup "key=a/b c?x=y&z"', { autoConfirm: true }));
    expect(r.status).toBe('ok');
    expect(recorder.requests.map((q) => [q.method, q.url])).toEqual([['GET', '/keys/a%2Fb%20c%3Fx%3Dy%26z?q=a%2Fb%20c%3Fx%3Dy%26z']]);
  });

  it('HTTP action: a value of "." or ".." is refused, since no encoding keeps it in its path segment; other dots pass as typed', async () => {
    for (const model of ['..', '.']) {
      const r = await app.dispatcher.dispatch(inv(alice, `/run reset-model model=${model}`, { autoConfirm: true }));
      // Bad input: refused before any card, like any other invalid param (exit 2 on the console).
      expect(r.status).toBe('invalid');
      expect(r.reply.text).toBe('model must not be "." or ".." (in the URL\'s path that would send the request to another endpoint); nothing was sent.');
    }
    expect(recorder.requests).toEqual([]);

    for (const model of ['gpt-4.1', '...', '%2e%2e']) {
      expect((await app.dispatcher.dispatch(inv(alice, `/run reset-model model=${model}`, { autoConfirm: true }))).status).toBe('ok');
    }
    // What the server saw: every request stayed on /api/models/…/reset.
    expect(recorder.requests.map((q) => [q.method, q.url])).toEqual([
      ['POST', '/api/models/gpt-4.1/reset'],
      ['POST', '/api/models/.../reset'],
      ['POST', '/api/models/%252e%252e/reset'],
    ]);
  });

  it('HTTP action: an unexpected status, a timeout and a refused connection fail with one sentence', async () => {
    recorder.respond(500, 'upstream exploded');
    const bad = await app.dispatcher.dispatch(inv(alice, '/run reset-circuit provider=anthropic', { autoConfirm: true }));
    expect(bad.status).toBe('failed');
    expect(bad.reply.title).toMatch(/^reset-circuit failed \(HTTP 500 after \d+ ms\)$/);
    expect(bad.reply.text).toBe('The server answered HTTP 500 Internal Server Error; this action expects 200, 201, 202, 204.');
    expect(bad.reply.code).toBe('HTTP 500 Internal Server Error\nupstream exploded');

    recorder.respond(200, '{}', { delayMs: 2500 });
    const slow = await app.dispatcher.dispatch(inv(alice, '/run slow-reset', { autoConfirm: true }));
    expect(slow.status).toBe('failed');
    expect(slow.reply.text).toBe(`${new URL(recorder.url).host} did not answer within 1 s; the request was abandoned.`);

    const refused = await app.dispatcher.dispatch(inv(alice, '/run closed-port', { autoConfirm: true }));
    expect(refused.status).toBe('failed');
    expect(refused.reply.text).toBe(`127.0.0.1:${closedPort} refused the connection (nothing listening there?).`);
    const finished = (await app.ports.timeline.list({ invocationId: refused.invocationId })).at(-1)!;
    expect([finished.kind, finished.outcome]).toEqual(['action.finished', 'failed']);
  });

  it('argv action: the tool receives exactly the filled argv, one element per argument, and the run is recorded', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run echo-tool provider=anthropic n=7'));
    expect(r.status).toBe('pending');
    expect(r.reply.code).toBe(`node test/fakes/record-argv.mjs ${join(dir, 'echo.json')} --provider=anthropic 7 'literal with spaces; $(id)'`);
    expect(existsSync(join(dir, 'echo.json'))).toBe(false);
    const done = await app.dispatcher.dispatch(click(alice, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('ok');
    expect(JSON.parse(readFileSync(join(dir, 'echo.json'), 'utf8'))).toEqual(['--provider=anthropic', '7', 'literal with spaces; $(id)']);
    expect(done.reply.title).toMatch(/^echo-tool: done \(exit 0 in [\d.]+ m?s\)$/);
    expect(done.reply.code).toBe('received 3 args: --provider=anthropic | 7 | literal with spaces; $(id)');
    const finished = (await app.ports.timeline.list({ invocationId: r.invocationId })).at(-1)!;
    expect(finished.kind).toBe('action.finished');
    expect(finished.exitCode).toBe(0);
    expect(finished.argv).toEqual(['node', 'test/fakes/record-argv.mjs', join(dir, 'echo.json'), '--provider=anthropic', '7', 'literal with spaces; $(id)']);
    expect(finished.output).toContain('received 3 args');
  });

  it('argv action: a secret in the template reaches the tool but is masked on the card, in the reply and in the timeline', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run tool-secret'));
    expect(r.reply.code).toBe(`node test/fakes/record-argv.mjs ${join(dir, 'secret.json')} '--token=***'`);
    const done = await app.dispatcher.dispatch(click(alice, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('ok');
    expect(JSON.parse(readFileSync(join(dir, 'secret.json'), 'utf8'))).toEqual([`--token=${TOOL_TOKEN}`]);
    expect(done.reply.code).toBe('received 1 args: --token=***');
    expect(JSON.stringify(done.reply)).not.toContain(TOOL_TOKEN);
    expect(await allTimelineText()).not.toContain(TOOL_TOKEN);
  });

  it('argv action: the tool gets its own env: and the base environment, not the other secrets Firebreak holds', async () => {
    const saved = { ...process.env };
    // Another action's master key and an unrelated token, as they would sit in Firebreak's environment.
    Object.assign(process.env, { MASTER_KEY, SOME_OTHER_TOKEN: 'sot-5e4d3c2b1a09' });
    try {
      const r = await app.dispatcher.dispatch(inv(alice, '/run env-tool', { autoConfirm: true }));
      expect(r.status).toBe('ok');
    } finally {
      process.env = saved;
    }
    const seen = JSON.parse(readFileSync(join(dir, 'env.json'), 'utf8')) as Record<string, string>;
    expect(seen).toMatchObject({ OWN_TOKEN: TOOL_TOKEN, PATH: process.env.PATH });
    expect(seen.SOME_OTHER_TOKEN).toBeUndefined();
    expect(JSON.stringify(seen)).not.toContain(MASTER_KEY);
  });

  it('argv action: a failing tool reports its exit code and stderr', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run failing-tool', { autoConfirm: true }));
    expect(r.status).toBe('failed');
    expect(r.reply.text).toBe('node exited with code 3: tool failed on purpose');
    const finished = (await app.ports.timeline.list({ invocationId: r.invocationId })).at(-1)!;
    expect([finished.exitCode, finished.outcome]).toEqual([3, 'failed']);
  });

  it('argv action: a failing psql is summed up by its ERROR line; the card keeps the whole output, caret and all', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run bad-sql', { autoConfirm: true }));
    expect(r.status).toBe('failed');
    expect(r.reply.text).toBe('psql exited with code 1: ERROR:  syntax error at or near "SELEC"');
    expect(r.reply.code).toMatch(/^ERROR: {2}syntax error at or near "SELEC"\nLINE 1: SELEC 1\n +\^$/);
  });

  it('confirm: false runs at once for someone with the role, and records start and result', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run quick-reset provider=anthropic'));
    expect(r.status).toBe('ok');
    expect(recorder.requests.map((q) => [q.method, q.url, q.headers['x-master-key']])).toEqual([['POST', '/quick/anthropic', MASTER_KEY]]);
    expect(r.reply.context).toBe(`POST ${recorder.url}/quick/anthropic`);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['action.started', null], ['command', 'ok']]);
    expect(events[1]!.argv).toEqual(['POST', `${recorder.url}/quick/anthropic`]);
    expect(events[1]!.durationMs).toEqual(expect.any(Number));
    expect(await allTimelineText()).not.toContain(MASTER_KEY);
    // Its start was written where the interrupted-step sweep looks, and marked finished under its lease:
    // a run that ended is never reported as one whose process died.
    const [row] = await app.db.query<{ status: string; finished_at: Date | null; interrupted_note: string | null; plan: { title: string } }>('SELECT status, finished_at, interrupted_note, plan FROM confirmations WHERE id = $1', [r.invocationId]);
    expect(row).toMatchObject({ status: 'confirmed', interrupted_note: null, plan: { title: 'Run quick-reset with provider=anthropic' } });
    expect(row!.finished_at).not.toBeNull();
    expect(await app.ports.confirmations.unfinished()).toEqual([]);
  });

  it('confirm: false still needs the role: the denial is explained and recorded, and nothing is sent', async () => {
    const r = await app.dispatcher.dispatch(inv(mallory, '/run quick-reset provider=openai'));
    expect(r.status).toBe('denied');
    expect(r.reply.text).toBe('/run quick-reset needs the "responders" role, which mallory does not have. Ask an admin to add "console:mallory" to roles.responders in the Firebreak config. Nothing was run.');
    expect(recorder.requests).toEqual([]);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command.denied', 'denied']]);
  });

  it('the action’s role decides who may request and confirm: responders cannot run an admins action', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run admin-only', { autoConfirm: true }));
    expect(r.status).toBe('denied');
    expect(r.reply.text).toContain('needs the "admins" role');
    const m = await app.dispatcher.dispatch(inv(mallory, '/run reset-circuit provider=openai'));
    expect(m.status).toBe('denied');
    const ok = await app.dispatcher.dispatch(inv(root, '/run admin-only', { autoConfirm: true }));
    expect(ok.status).toBe('ok');
    expect(recorder.requests.map((q) => q.url)).toEqual(['/admin-only']);
    expect((await app.ports.timeline.list({ invocationId: r.invocationId })).map((e) => e.kind)).toEqual(['command.denied']);
  });

  it('confirm: false runs one at a time per action: a second run while the first is in flight is told who started it', async () => {
    recorder.respond(200, '{}', { delayMs: 400 });
    const first = app.dispatcher.dispatch(inv(alice, '/run quick-reset provider=openai'));
    // Wait until the first request has reached the server, so the first run certainly holds the lease.
    while (recorder.requests.length === 0) await new Promise((r) => setTimeout(r, 10));
    const second = await app.dispatcher.dispatch(inv(bob, '/run quick-reset provider=anthropic'));
    expect(second.status).toBe('denied');
    expect(second.reply.text).toMatch(/^quick-reset is already running, started by alice at \d{4}-/);
    expect((await first).status).toBe('ok');
    expect(recorder.requests.map((q) => q.url)).toEqual(['/quick/openai']);
    // and once it has finished, the next run goes through
    recorder.respond(200, '{}');
    expect((await app.dispatcher.dispatch(inv(bob, '/run quick-reset provider=anthropic'))).status).toBe('ok');
  });

  it('a confirmation is checked again against the config in force when it is clicked', async () => {
    const r = await app.dispatcher.dispatch(inv(alice, '/run reset-circuit provider=anthropic'));
    expect(r.status).toBe('pending');
    // The bot restarted with a config where anthropic is no longer an allowed provider.
    const changed = configFrom(configYaml(recorder.url, dir, closedPort).replace('values: [openai, anthropic] }\n    http:\n      method: POST', 'values: [openai] }\n    http:\n      method: POST'), { MASTER_KEY, TOOL_TOKEN });
    expect(changed.config.actions['reset-circuit']!.params.provider).toMatchObject({ values: ['openai'] });
    const restarted = new Dispatcher(changed.config, app.ports, app.metrics);
    const done = await restarted.dispatch(click(bob, r.reply.buttons![0]!.actionId));
    expect(done.status).toBe('failed');
    expect(done.reply.text).toBe("The params no longer fit the action's config: provider must be one of openai; got \"anthropic\". Usage: /run reset-circuit provider=openai");
    expect(recorder.requests).toEqual([]);
  });

  it('Discord-style options (params as one string) plan the same request', async () => {
    const r = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'options', command: 'run', args: { action: 'reset-circuit', params: 'provider=anthropic' } } });
    expect(r.status).toBe('pending');
    expect(r.reply.code).toBe(`POST ${recorder.url}/api/admin/providers/anthropic/reset-circuit`);
  });

  it('the quoting that hint shows works, in chat text and in a Discord params option', async () => {
    const typed = await app.dispatcher.dispatch(inv(alice, '/run switch-model alias=x weight=5 target=gpt-4o-mini note="litellm is down"'));
    expect(typed.status).toBe('pending');
    expect(typed.reply.fields).toContainEqual({ label: 'note', value: 'litellm is down' });
    const option = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'options', command: 'run', args: { action: 'switch-model', params: 'alias=x weight=5 target=gpt-4o-mini note="litellm is down"' } } });
    expect(option.status).toBe('pending');
    expect(option.reply.fields).toContainEqual({ label: 'note', value: 'litellm is down' });
    const unbalanced = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'options', command: 'run', args: { action: 'switch-model', params: 'note="litellm' } } });
    expect(unbalanced.status).toBe('invalid');
    expect(unbalanced.reply.text).toBe('Unbalanced double quote: close the quoted text.');
  });

  const usageReset = 'Usage: /run reset-circuit provider=openai|anthropic';
  const usageSwitch = 'Usage: /run switch-model alias=/[a-z0-9-]{1,40}/ weight=1–100 target=gpt-4o-mini|claude-3-5-haiku [note=/[a-z ]{1,40}/]';
  const badInputs: [string, string, string][] = [
    ['unknown action', '/run nope', 'There is no action "nope". Actions: reset-circuit, switch-model, lookup, reset-model, slow-reset, closed-port, echo-tool, tool-secret, env-tool, bad-sql, failing-tool, quick-reset, admin-only.'],
    ['inherited property as action', '/run constructor', 'There is no action "constructor". Actions: reset-circuit, switch-model, lookup, reset-model, slow-reset, closed-port, echo-tool, tool-secret, env-tool, bad-sql, failing-tool, quick-reset, admin-only.'],
    ['missing required param', '/run reset-circuit', `reset-circuit needs provider=…. ${usageReset}`],
    ['enum value not allowed', '/run reset-circuit provider=azure', `provider must be one of openai, anthropic; got "azure". ${usageReset}`],
    ['shell text in an enum', '/run reset-circuit "provider=openai; rm -rf /"', `provider must be one of openai, anthropic; got "openai; rm -rf /". ${usageReset}`],
    ['unknown param', '/run reset-circuit provider=openai region=eu', `reset-circuit has no param "region"; its params are provider. ${usageReset}`],
    ['prototype key as param', '/run reset-circuit provider=openai __proto__=x', `reset-circuit has no param "__proto__"; its params are provider. ${usageReset}`],
    ['duplicated key', '/run reset-circuit provider=openai provider=anthropic', `provider is given twice; give it once. ${usageReset}`],
    ['word without =', '/run reset-circuit openai', `"openai" is not key=value. ${usageReset}`],
    ['value with spaces, unquoted', '/run switch-model alias=x note=litellm is down weight=5 target=gpt-4o-mini', `"is" is not key=value. Values with spaces need quotes: note="litellm is down". ${usageSwitch}`],
    ['unknown flag', '/run reset-circuit provider=openai --force', 'Usage: /run [ACTION] [key=value …]'],
    ['string with shell separator', '/run switch-model "alias=api; rm -rf /" weight=5 target=gpt-4o-mini', `alias must match [a-z0-9-]{1,40}; got "api; rm -rf /". ${usageSwitch}`],
    ['command substitution', '/run switch-model alias=$(id) weight=5 target=gpt-4o-mini', `alias must match [a-z0-9-]{1,40}; got "$(id)". ${usageSwitch}`],
    ['backticks', '/run switch-model alias=`id` weight=5 target=gpt-4o-mini', `alias must match [a-z0-9-]{1,40}; got "\`id\`". ${usageSwitch}`],
    ['path-like value', '/run switch-model alias=../../etc/passwd weight=5 target=gpt-4o-mini', `alias must match [a-z0-9-]{1,40}; got "../../etc/passwd". ${usageSwitch}`],
    ['too long for the pattern', `/run switch-model alias=${'a'.repeat(41)} weight=5 target=gpt-4o-mini`, `alias must match [a-z0-9-]{1,40}; got "${'a'.repeat(39)}…". ${usageSwitch}`],
    ['int below min', '/run switch-model alias=x weight=0 target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "0". ${usageSwitch}`],
    ['int above max', '/run switch-model alias=x weight=101 target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "101". ${usageSwitch}`],
    ['negative int', '/run switch-model alias=x weight=-5 target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "-5". ${usageSwitch}`],
    ['huge int', '/run switch-model alias=x weight=99999999999999999999 target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "99999999999999999999". ${usageSwitch}`],
    ['non-numeric int', '/run switch-model alias=x weight=abc target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "abc". ${usageSwitch}`],
    ['exponent notation', '/run switch-model alias=x weight=1e1 target=gpt-4o-mini', `weight must be a whole number from 1 to 100; got "1e1". ${usageSwitch}`],
    ['string that a tool would take for an option', '/run switch-model alias=--output=x weight=5 target=gpt-4o-mini', `alias may not start with "-" (a tool would take it for an option); got "--output=x". ${usageSwitch}`],
    ['int with shell text', '/run echo-tool provider=openai "n=5; reboot"', 'n must be a whole number from 1 to 30; got "5; reboot". Usage: /run echo-tool provider=openai|anthropic n=1–30'],
  ];

  it.each(badInputs)('bad input: %s → one sentence, status invalid, nothing runs', async (_name, text, message) => {
    const r = await app.dispatcher.dispatch(inv(alice, text, { autoConfirm: true }));
    expect(r.status).toBe('invalid');
    if (message.startsWith('Usage:')) expect(r.reply.text).toContain(message);
    else expect(r.reply.text).toBe(message);
    expect(recorder.requests).toEqual([]);
    expect(existsSync(join(dir, 'echo.json'))).toBe(false);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command.invalid', 'invalid']]);
  });
});

describe('/run: a typed value that happens to equal a secret', () => {
  it('runs with the value that was typed, while the card and the timeline still mask it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-actions-'));
    // TOOL_HOST is a config secret whose value is also a perfectly valid alias.
    const app = await testApp(
      `
roles:
  responders: ["console:alice"]
actions:
  switch:
    params:
      alias: { type: string, pattern: "[a-z0-9-]{1,40}" }
    argv: [node, test/fakes/record-argv.mjs, "${join(dir, 'out.json')}", "--host=\${TOOL_HOST}", "{alias}"]
`,
      { env: { TOOL_HOST: 'fallback' } },
    );
    try {
      const card = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/run switch alias=fallback' } });
      expect(card.status).toBe('pending');
      expect(card.reply.code).not.toContain('fallback');
      const done = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: card.reply.buttons![0]!.actionId } });
      expect(done.status).toBe('ok');
      expect(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'))).toEqual(['--host=fallback', 'fallback']);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
