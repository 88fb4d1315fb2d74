import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleMessage } from '../../src/core/console-messages.js';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { Actor, ChannelRef } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { alice, bob, testApp } from '../support/app.js';

const carol: Actor = { platform: 'console', id: 'carol', name: 'carol' };

const CONFIG = `
roles:
  responders: ["console:alice", "console:bob"]
incidents:
  default_severity: sev3
  responders:
    severities: { sev2: ["console:dave", "slack:U0NOTHERE"] }
actions:
  say-hi:
    description: A harmless mutating action (asks for confirmation)
    argv: [node, -e, "console.log('hi from the action')"]
    timeout_s: 20
`;

/**
 * A whole incident as a conversation on the console platform, through the dispatcher as
 * `firebreak console` drives it: what people see is in the console store, what happened in the
 * timeline.
 */
describe('an incident on the console: declare → channel → Join → a confirmed action → note → status → resolve', () => {
  let app: App;
  let incidents: ChannelRef;
  beforeAll(async () => {
    app = await testApp(CONFIG);
    const c = await app.consoleMessages.ensureChannel('incidents');
    incidents = { platform: 'console', id: c.id, name: c.name };
  });
  afterAll(async () => app.close());

  const run = (actor: Actor, channel: ChannelRef, text: string) => app.dispatcher.dispatch({ actor, channel, input: { kind: 'text', text } } satisfies Invocation);
  const click = (actor: Actor, channel: ChannelRef, actionId: string) => app.dispatcher.dispatch({ actor, channel, input: { kind: 'action', actionId } });
  const messagesIn = async (channelId: string): Promise<ConsoleMessage[]> => (await app.consoleMessages.changesSince(0, 'nobody', 1000)).messages.filter((m) => m.channel?.id === channelId);

  it('runs the whole procedure and the timeline holds every step, in order, with the incident id', async () => {
    const declared = await run(alice, incidents, '/incident declare "Checkout 5xx 🔥" sev2');
    expect(declared.status).toBe('ok');
    const [incident] = await app.ports.incidents.listOpen();
    expect(incident).toMatchObject({ title: 'Checkout 5xx 🔥', severity: 'sev2', status: 'investigating', roles: { lead: { id: 'alice' } } });
    const day = incident!.declaredAt.toISOString().slice(0, 10).replace(/-/g, '');
    expect(incident!.channel).toMatchObject({ platform: 'console', name: `inc-${day}-checkout-5xx`, own: true });
    const channel: ChannelRef = { platform: 'console', id: incident!.channel!.id, name: incident!.channel!.name };

    // The declarer is pointed at the new channel, where the reply (how to run it) goes.
    expect(declared.placement).toMatchObject({ kind: 'channel', channel: { id: channel.id }, pointer: { title: `${incident!.id} declared: #${channel.name}` } });
    // The channel: topic, members (declarer + configured console responders; not the Slack one), the pinned card.
    const created = (await app.consoleMessages.channel(channel.id))!;
    expect(created.topic).toBe('SEV2 · investigating · lead @alice · Checkout 5xx 🔥');
    expect(created.members).toEqual(['alice', 'dave']);
    const [card] = await messagesIn(channel.id);
    expect(card).toMatchObject({ pinned: true, reply: { title: `${incident!.id}: Checkout 5xx 🔥` } });
    expect(card!.reply.buttons!.map((b) => b.label)).toEqual(['Update status', 'Change severity', 'Take lead', 'Resolve']);
    // The announcement in #incidents, with Join.
    const [announcement] = await messagesIn(incidents.id);
    expect(announcement!.reply.title).toBe(`Incident ${incident!.id} (SEV2): Checkout 5xx 🔥`);
    expect(announcement!.reply.buttons).toEqual([{ actionId: `inc-join:${incident!.id}`, label: 'Join', style: 'primary' }]);

    // bob joins from the announcement.
    const joined = await click(bob, incidents, `inc-join:${incident!.id}`);
    expect(joined.reply.title).toBe(`You joined #${channel.name}`);
    expect((await app.consoleMessages.channel(channel.id))!.members).toEqual(['alice', 'bob', 'dave']);

    // A mutating command in the incident channel, confirmed by someone else.
    const card2 = await run(bob, channel, '/run say-hi');
    expect(card2.status).toBe('pending');
    const confirm = card2.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!;
    const ran = await click(alice, channel, confirm.actionId);
    expect(ran.status).toBe('ok');

    expect((await run(carol, channel, '/incident note "restarted the canary; errors down to 2%"')).reply.title).toBe(`Noted on ${incident!.id}'s timeline`);
    const identified = await run(alice, channel, '/incident status identified "bad deploy of payments 2.3"');
    expect(identified.reply.title).toBe(`${incident!.id} is identified (was investigating)`);
    expect((await app.consoleMessages.channel(channel.id))!.topic).toBe('SEV2 · identified · lead @alice · Checkout 5xx 🔥');
    expect((await app.consoleMessages.message(card!.id))!.reply.fields).toContainEqual({ label: 'Status', value: 'Identified' });
    // The announcement follows.
    expect((await app.consoleMessages.message(announcement!.id))!.reply.fields).toContainEqual({ label: 'Status', value: 'Identified' });

    await run(bob, channel, '/incident lead @bob');
    await run(alice, channel, '/incident action "alert on payments error rate before the deploy finishes"');
    const resolvedBy = await click(bob, channel, `inc-resolve:${incident!.id}`);
    expect(resolvedBy.reply.title).toBe(`${incident!.id} is resolved`);
    expect(resolvedBy.placement).toEqual({ kind: 'new' });
    expect((await app.ports.incidents.get(incident!.id))!.status).toBe('resolved');
    expect((await app.consoleMessages.message(card!.id))!.reply.buttons!.map((b) => b.label)).toEqual(['Reopen…']);

    // The same command outside the incident's channel is not the incident's.
    const elsewhere = await run(bob, incidents, '/incident list');
    expect(elsewhere.status).toBe('ok');

    const events = await app.ports.timeline.list({ incidentId: incident!.id });
    const steps = events.map((e) => `${e.kind} ${e.actor.name}${e.command ? ` ${e.command}` : ''}`);
    expect(steps).toEqual([
      'incident.declared alice incident',
      'incident.channel alice incident',
      'command alice incident',
      'button bob incident',
      'confirmation.requested bob run',
      'confirmation.confirmed alice run',
      'action.started alice run',
      'action.finished alice run',
      'note carol incident',
      'command carol incident',
      'incident.status alice incident',
      'command alice incident',
      'incident.role bob incident',
      'command bob incident',
      'incident.action-item alice incident',
      'command alice incident',
      'incident.status bob incident',
      'button bob incident',
    ]);
    const finished = events.find((e) => e.kind === 'action.finished')!;
    expect(finished).toMatchObject({ exitCode: 0, outcome: 'ok', channel: { id: channel.id } });
    expect(finished.argv).toEqual(['node', '-e', "console.log('hi from the action')"]);
    expect(finished.output).toContain('hi from the action');
    expect(events.find((e) => e.kind === 'note')!.text).toBe('restarted the canary; errors down to 2%');
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    // /incident list in #incidents is not on the incident's timeline.
    expect(events.some((e) => e.text === '/incident list')).toBe(false);
    expect((await app.ports.timeline.list({ limit: 5000 })).find((e) => e.text === '/incident list')!.incidentId).toBeNull();
  });
});
