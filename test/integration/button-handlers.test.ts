import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ButtonRegistry, defineButton } from '../../src/core/button-handlers.js';
import { coreButtons } from '../../src/core/buttons/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { alice, consoleChan, testApp } from '../support/app.js';

/** A button kind of the test's own: what a domain (alerts, incidents) adds in one file. */
const ackButton = defineButton({
  prefix: 'ack',
  kind: 'handler',
  metricLabel: '(ack)',
  name: 'Acknowledge',
  outsideAllowedChannels: false,
  payload: z.string(),
  record: (arg) => ({ command: null, text: `(ack ${arg})`, detail: { group: arg } }),
  async handle(press) {
    return {
      status: 'ok',
      reply: { title: `Noted, ${press.inv.actor.name}`, status: 'info' },
      placement: { kind: 'private' },
      sourceUpdate: { title: `Group ${press.payload}`, status: 'ok', context: `Acknowledged by ${press.inv.actor.name}` },
    };
  },
});

describe('button handlers: a registry from action-id prefix to handler', () => {
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;

  beforeEach(async () => {
    app = await testApp('');
    dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, buttons: new ButtonRegistry([...coreButtons, ackButton]) }, app.metrics);
  });
  afterEach(async () => app.close());

  it('routes a registered prefix to its handler, with its placement and the source update, and records it', async () => {
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'ack:g42' } });
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('Noted, alice');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.sourceUpdate?.context).toBe('Acknowledged by alice');
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.text, e.detail.group])).toEqual([['button', '(ack g42)', 'g42']]);
  });

  it('refuses an unknown prefix with one sentence, privately, and records the refusal', async () => {
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'nope:1' } });
    expect(r.status).toBe('invalid');
    expect(r.reply.title).toBe('Unknown button');
    expect(r.placement).toEqual({ kind: 'private' });
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command.invalid', 'invalid']]);
  });

  it('a command button (run:) is the command typed by clicking', async () => {
    const r = await dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'run:/help' } });
    expect(r.status).toBe('ok');
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.command])).toEqual([['command', 'help']]);
  });

  it('refuses two handlers for one prefix, and prefixes that could not be told apart', () => {
    expect(() => new ButtonRegistry([...coreButtons, { ...ackButton, prefix: 'confirm' }])).toThrow(/registered twice/);
    expect(() => new ButtonRegistry([{ ...ackButton, prefix: 'A:b' }])).toThrow(/lowercase/);
  });
});
