import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { App } from '../../src/main.js';
import { alice, consoleChan, testApp } from '../support/app.js';

const yaml = `
roles:
  responders: ["console:alice"]
services:
  api:
    deploy: { kind: commands, restart: [node, -e, "0"] }
    health: { type: tcp, host: 127.0.0.1, port: 9, timeout_ms: 500 }
  litellm:
    deploy: { kind: commands, restart: [node, -e, "0"] }
actions:
  reset-circuit:
    params:
      provider: { type: enum, values: [openai, anthropic, googlecloud] }
    argv: [node, -e, "0", "{provider}"]
`;

/** What a person sees for a typo: the usage error, with the name they most likely meant. */
describe('"Did you mean …?" and case-insensitive names, through the dispatcher', () => {
  let app: App;
  const run = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text } } satisfies Invocation);

  beforeAll(async () => {
    app = await testApp(yaml);
  });
  afterAll(async () => {
    await app.close();
  });

  it.each([
    ['unknown command', '/helth', 'Unknown command /helth. Did you mean /health? Commands: /health,'],
    ['/help of a misspelt command', '/help rollbak', 'There is no /rollbak. Did you mean /rollback? Commands:'],
    ['unknown subcommand', '/backup nwo', '/backup has no "nwo". Did you mean /backup now? Use one of: now, list, restore, verify.'],
    ['unknown service', '/restart litelm', 'There is no service called "litelm". Did you mean litellm? Services you can restart: api, litellm.'],
    ['unknown /health target', '/health ap', 'There is no service or datastore called "ap". Did you mean api? Known: api.'],
    ['unknown action', '/run reset-circiut provider=openai', 'There is no action "reset-circiut". Did you mean reset-circuit? Actions: reset-circuit.'],
    ['unknown param', '/run reset-circuit provder=openai', 'reset-circuit has no param "provder"; its params are provider. Did you mean provider? Usage:'],
    ['enum value', '/run reset-circuit provider=opneai', 'provider must be one of openai, anthropic, googlecloud; got "opneai". Did you mean provider=openai? Usage:'],
  ])('%s: %s', async (_name, text, expected) => {
    const r = await run(text);
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toContain(expected);
  });

  it('no suggestion when nothing is close', async () => {
    const r = await run('/restart zzz');
    expect(r.reply.text).toBe('There is no service called "zzz". Services you can restart: api, litellm.');
  });

  it('service and action names are matched case-insensitively', async () => {
    const restart = await run('/restart LiteLLM');
    expect(restart.status).toBe('pending');
    expect(restart.reply.title).toBe('Restart litellm?');
    const status = await run('/status API');
    expect(status.status).toBe('ok');
    expect(status.reply.title).toMatch(/^api: /);
    const health = await run('/health API');
    expect(health.reply.rows?.map((row) => row.cells[0])).toEqual(['api']);
    const action = await run('/run Reset-Circuit provider=openai');
    expect(action.status).toBe('pending');
    expect(action.reply.title).toBe('Run reset-circuit with provider=openai?');
  });
});
