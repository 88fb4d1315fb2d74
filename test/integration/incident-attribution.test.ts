import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import { runbookButtons } from '../../src/alerts/runbook-buttons.js';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { ChannelRef } from '../../src/core/identity.js';
import type { TimelineEvent } from '../../src/core/timeline.js';
import type { App } from '../../src/main.js';
import { buildDraft } from '../../src/postmortems/draft-markdown.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';
import { waitFor } from '../support/wait.js';

const CONFIG = `
roles:
  responders: ["console:alice", "console:bob"]
services:
  api:
    actions: [api-restart, api-peek]
actions:
  say-hi:
    description: Mutating, about no service, runs without confirmation
    argv: [node, -e, "console.log('hi')"]
    confirm: false
  api-restart:
    description: Mutating, listed under api, runs without confirmation
    argv: [node, -e, "console.log('api restarted')"]
    confirm: false
  api-peek:
    description: Read-only, listed under api
    argv: [node, -e, "console.log('api looks fine')"]
    read_only: true
  flush-cache:
    description: Mutating, on the card's route only, asks for confirmation
    argv: [node, -e, "console.log('cache flushed')"]
alerts:
  routes:
    - match: { alertname: CacheDown }
      severity: critical
      incident: sev2
      actions: ["flush-cache"]
`;

/**
 * Which incident work counts for when it is not done in the incident's own channel
 * (docs/incidents.md, "Which incident work counts for").
 */
describe('work done for an incident outside its channel', () => {
  let app: App;
  let incidents: ChannelRef;
  beforeAll(async () => {
    app = await testApp(CONFIG);
    const c = await app.consoleMessages.ensureChannel('incidents');
    incidents = { platform: 'console', id: c.id, name: c.name };
  });
  afterAll(async () => app.close());

  const dispatch = (inv: Invocation) => app.dispatcher.dispatch(inv);
  const typed = (channel: ChannelRef, text: string, more: Partial<Invocation> = {}) => dispatch({ actor: alice, channel, input: { kind: 'text', text }, ...more });
  const eventsOf = async (invocationId: string): Promise<TimelineEvent[]> => app.ports.timeline.list({ invocationId, limit: 50 });
  const draftOf = async (id: string) => buildDraft((await app.drafts.source.load(id))!);
  const whatWeRan = (md: string) => md.slice(md.indexOf('## What we ran'), md.indexOf('\n## ', md.indexOf('## What we ran') + 3));
  async function declare(title: string): Promise<string> {
    expect((await typed(incidents, `/incident declare "${title}"`)).status).toBe('ok');
    return (await app.ports.incidents.listOpen()).find((i) => i.title === title)!.id;
  }
  const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> => waitFor(fn, ms, what);


  it('the console enters an incident: `firebreak run --incident` lands on its timeline and in "what we ran"; an unknown one runs nothing', async () => {
    const id = await declare('Checkout slow');
    expect(whatWeRan(await draftOf(id))).toContain('No commands or buttons were');

    // In #console, where no incident lives: counted for the one entered (any spelling of its id).
    const ran = await typed(consoleChan, '/run say-hi', { enteredIncidentId: id.toLowerCase() });
    expect(ran.status).toBe('ok');
    expect((await eventsOf(ran.invocationId)).map((e) => [e.kind, e.incidentId])).toEqual([
      ['action.started', id],
      ['command', id],
    ]);
    const ranSection = whatWeRan(await draftOf(id));
    expect(ranSection).toContain('say-hi');
    expect(ranSection).not.toContain('No commands or buttons were');

    // The same command without it counts for nothing.
    const plain = await typed(consoleChan, '/run say-hi');
    expect((await eventsOf(plain.invocationId)).every((e) => e.incidentId === null)).toBe(true);

    // An incident that does not exist: refused, recorded, nothing ran.
    const unknown = await typed(consoleChan, '/run say-hi', { enteredIncidentId: 'INC-999' });
    expect(unknown.status).toBe('invalid');
    expect(unknown.reply.text).toContain('There is no incident INC-999');
    expect((await eventsOf(unknown.invocationId)).map((e) => e.kind)).toEqual(['command.invalid']);
  });

  it('/incident use: the console enters an incident; chat cannot', async () => {
    const id = await declare('Search down');
    const used = await typed(consoleChan, `/incident use ${id}`);
    expect(used).toMatchObject({ status: 'ok', reply: { title: `Working in ${id}` } });
    expect((await typed(consoleChan, '/incident use INC-998')).reply.title).toBe('Unknown incident');
    const slack: ChannelRef = { platform: 'slack', id: 'C1', name: 'incidents' };
    expect((await dispatch({ actor: { platform: 'slack', id: 'U1', name: 'u1' }, channel: slack, input: { kind: 'text', text: `/incident use ${id}` } })).reply.title).toBe(
      'Only the console enters an incident',
    );
  });

  it("a runbook button on the alert card (in #incidents) counts for the incident the card's group opened, through its confirmation", async () => {
    const fired = await ingestNotification(app.ports, app.loaded.config, {
      source: 'alertmanager',
      groupKey: '{}:{alertname="CacheDown"}',
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'CacheDown' },
      commonLabels: { alertname: 'CacheDown', service: 'cache' },
      commonAnnotations: {},
      externalUrl: null,
      alerts: [{ fingerprint: 'c1', status: 'firing', labels: { alertname: 'CacheDown', service: 'cache' }, annotations: {}, startsAt: new Date(), endsAt: null, generatorUrl: null }],
    });
    const incident = await until('the incident the alert opens', async () => (await app.ports.incidents.listOpen()).find((i) => i.alertGroups.includes(fired.group.id)));
    // The button the card shows.
    const [button] = runbookButtons(app.loaded.config, fired.group, []);
    expect(button?.actionId).toBe(`act:${fired.group.id} /run flush-cache`);

    const pending = await dispatch({ actor: alice, channel: incidents, input: { kind: 'action', actionId: button!.actionId } });
    expect(pending.status).toBe('pending');
    const confirm = pending.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!;
    // Confirmed by someone else, also in #incidents: the step counts for the incident its request counted for.
    const done = await dispatch({ actor: bob, channel: incidents, input: { kind: 'action', actionId: confirm.actionId } });
    expect(done.status).toBe('ok');
    const events = await app.ports.timeline.list({ incidentId: incident.id, limit: 100 });
    expect(events.filter((e) => e.command === 'run').map((e) => e.kind)).toEqual(['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.finished']);
    expect(whatWeRan(await draftOf(incident.id))).toContain('flush-cache');
  });

  it('a mutating command on a service an open incident is about counts for it (the most severe, then the newest) and says so; a read-only one does not', async () => {
    const older = await declare('API errors sev2 test');
    const newer = await declare('API latency');
    const newerSev = await declare('API 5xx');
    for (const id of [older, newer, newerSev]) expect((await typed(incidents, `/incident service api --incident=${id}`)).status).toBe('ok');
    expect((await typed(incidents, `/incident sev sev2 --incident=${older}`)).status).toBe('ok');
    expect((await typed(incidents, `/incident sev sev2 --incident=${newerSev}`)).status).toBe('ok');

    // Typed in #incidents, which is no incident's channel: sev2 beats sev3, and the newer sev2 wins.
    const restarted = await typed(incidents, '/run api-restart');
    expect(restarted.status).toBe('ok');
    expect(restarted.reply.context).toContain(`recorded in ${newerSev}`);
    expect((await eventsOf(restarted.invocationId)).map((e) => e.incidentId)).toEqual([newerSev, newerSev]);
    expect(whatWeRan(await draftOf(newerSev))).toContain('api-restart');

    // Read-only: not attributed by service.
    const peeked = await typed(incidents, '/run api-peek');
    expect(peeked.status).toBe('ok');
    expect(peeked.reply.context ?? '').not.toContain('recorded in');
    expect((await eventsOf(peeked.invocationId)).every((e) => e.incidentId === null)).toBe(true);

    // Once it is resolved, the next open one about api takes its work.
    expect((await typed(incidents, `/incident resolve --incident=${newerSev}`)).status).toBe('ok');
    expect((await typed(incidents, '/run api-restart')).reply.context).toContain(`recorded in ${older}`);
  }, 60_000);
});
