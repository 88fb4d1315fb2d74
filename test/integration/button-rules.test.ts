import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ButtonRegistry, defineButton } from '../../src/core/button-handlers.js';
import { coreButtons } from '../../src/core/buttons/index.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { Actor, ChannelRef } from '../../src/core/identity.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';

/**
 * A button that declares a role and a payload schema: the dispatcher enforces both (and the channel
 * rule) before the handler runs, and records each refusal as the press's one timeline row.
 */
const pressed: { group: number; step: 'drain' | 'restart' }[] = [];
const drainButton = defineButton({
  prefix: 'drain',
  kind: 'handler',
  metricLabel: '(drain)',
  name: 'Drain',
  role: 'responders',
  outsideAllowedChannels: false,
  payload: z
    .string()
    .regex(/^\d{1,6}:(drain|restart)$/)
    .transform((arg) => {
      const [group = '', step] = arg.split(':');
      return { group: Number(group), step: step === 'restart' ? ('restart' as const) : ('drain' as const) };
    }),
  malformed: () => ({ title: 'Unknown node group', status: 'error', text: 'This Drain button names no node group Firebreak knows; use /status to see them.' }),
  record: (arg) => ({ command: null, text: `(drain ${arg})`, detail: { arg } }),
  async handle(press) {
    pressed.push(press.payload);
    return { status: 'ok', reply: { title: `Drained group ${press.payload.group}`, status: 'ok' }, placement: { kind: 'private' }, detail: { step: press.payload.step } };
  },
});

const slackAlice: Actor = { platform: 'slack', id: 'UALICE', name: 'alice' };
const random: ChannelRef = { platform: 'slack', id: 'C0RANDOM', name: 'random' };

describe('button rules: the dispatcher checks, parses and records before a handler runs', () => {
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;

  beforeEach(async () => {
    pressed.length = 0;
    app = await testApp(`
roles:
  responders: ["console:alice", "slack:UALICE"]
`);
    dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, buttons: new ButtonRegistry([...coreButtons, drainButton]) }, app.metrics);
  });
  afterEach(async () => app.close());

  const press = (actionId: string, actor: Actor = alice, channel: ChannelRef = consoleChan) => dispatcher.dispatch({ actor, channel, input: { kind: 'action', actionId } });
  const rows = async (invocationId: string) =>
    (await app.ports.timeline.list({ invocationId })).map((e) => ({ kind: e.kind, outcome: e.outcome, text: e.text, detail: e.detail }));

  it('hands the parsed, typed payload to the handler and records its outcome with the declared record', async () => {
    const r = await press('drain:42:restart');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('Drained group 42');
    expect(pressed).toEqual([{ group: 42, step: 'restart' }]);
    expect(await rows(r.invocationId)).toEqual([{ kind: 'button', outcome: 'ok', text: '(drain 42:restart)', detail: { arg: '42:restart', step: 'restart', title: 'Drained group 42' } }]);
  });

  it('refuses a person without the role: one private sentence, a command.denied row, the handler never runs', async () => {
    const r = await press('drain:42:drain', mallory);
    expect(r.status).toBe('denied');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.title).toBe('Not allowed: Drain');
    expect(r.reply.text).toBe('Drain needs the "responders" role, which mallory does not have. Ask an admin to add "console:mallory" to roles.responders in the Firebreak config. Nothing was run.');
    expect(pressed).toEqual([]);
    expect(await rows(r.invocationId)).toEqual([{ kind: 'command.denied', outcome: 'denied', text: '(drain 42:drain)', detail: { arg: '42:drain', title: 'Not allowed: Drain' } }]);
  });

  it('refuses a malformed payload with its declared sentence and a command.invalid row; the handler never runs', async () => {
    for (const forged of ['drain:42:reboot', 'drain:', 'drain', 'drain:1234567:drain']) {
      const r = await press(forged);
      expect(r.status).toBe('invalid');
      expect(r.placement).toEqual({ kind: 'private' });
      expect(r.reply.text).toBe('This Drain button names no node group Firebreak knows; use /status to see them.');
      const [row] = await rows(r.invocationId);
      expect(row).toMatchObject({ kind: 'command.invalid', outcome: 'invalid', text: `(drain ${forged.slice('drain:'.length)})` });
    }
    expect(pressed).toEqual([]);
  });

  it('refuses a forged prefix as an unknown button, recorded, with no handler run', async () => {
    for (const forged of ['drainx:42:drain', 'Drain:42:drain', 'dra:42:drain']) {
      const r = await press(forged);
      expect(r.status).toBe('invalid');
      expect(r.reply.title).toBe('Unknown button');
      expect(r.reply.text).toBe('This button is not one Firebreak knows; it may come from an older version. Run the command again.');
      expect(await rows(r.invocationId)).toMatchObject([{ kind: 'command.invalid', outcome: 'invalid' }]);
    }
    expect(pressed).toEqual([]);
  });

  it('refuses a press outside the allowed channels, recorded, before the role or the payload is looked at', async () => {
    const r = await press('drain:not-a-group', slackAlice, random);
    expect(r.status).toBe('denied');
    expect(r.reply.title).toBe('Drain is not allowed in #random');
    expect(pressed).toEqual([]);
    expect(await rows(r.invocationId)).toMatchObject([{ kind: 'command.denied', outcome: 'denied', text: '(drain not-a-group)' }]);
  });

  it('settles who may press before reading the payload: a malformed press by someone without the role is denied', async () => {
    const r = await press('drain:not-a-group', mallory);
    expect(r.status).toBe('denied');
    expect(r.reply.title).toBe('Not allowed: Drain');
    expect(await rows(r.invocationId)).toMatchObject([{ kind: 'command.denied' }]);
  });
});
