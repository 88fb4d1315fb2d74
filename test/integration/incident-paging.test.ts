import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelRef } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { alice, testApp } from '../support/app.js';

const KEY = 'R0UTINGKEY0123456789abcdef012345';
const config = (url: string, key: string) => `
alerts:
  pagerduty: { routing_key: "${key}", api_url: "${url}" }
incidents:
  paging: { severities: [sev1] }
`;

/** Paging on declare and resolve, against a local PagerDuty Events API v2. */
describe('incidents page on-call', () => {
  let pd: FakePagerDuty;
  let app: App;
  let incidents: ChannelRef;
  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
    app = await testApp(config(pd.url, KEY));
    const c = await app.consoleMessages.ensureChannel('incidents');
    incidents = { platform: 'console', id: c.id, name: c.name };
  });
  afterAll(async () => {
    await app?.close();
    await pd?.close();
  });

  const run = (a: App, channel: ChannelRef, text: string) => a.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text } });

  it('a sev1 declare triggers with the incident id as dedup_key, resolving resolves it; other severities do not page', async () => {
    await run(app, incidents, '/incident declare "payments down" P1');
    await run(app, incidents, '/incident declare "slow search" sev3');
    const [sev1] = (await app.ports.incidents.listOpen()).filter((i) => i.title === 'payments down');
    expect(pd.events).toHaveLength(1);
    expect(pd.events[0]).toMatchObject({ event_action: 'trigger', dedup_key: sev1!.id, payload: { summary: `${sev1!.id} (SEV1): payments down`, source: 'firebreak', severity: 'critical' } });
    expect(pd.incidents.get(sev1!.id)).toBe('triggered');
    const channel = { platform: 'console', id: sev1!.channel!.id, name: sev1!.channel!.name };
    const resolved = await run(app, channel, '/incident resolve');
    expect(resolved.reply.status).toBe('ok');
    expect(pd.incidents.get(sev1!.id)).toBe('resolved');
    expect(pd.events.map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
  });

  it('a trailing sev9 is refused, not kept in the title at the default severity', async () => {
    const before = (await app.ports.incidents.listOpen()).length;
    const out = await run(app, incidents, '/incident declare "x" sev9');
    expect(out.status).toBe('invalid');
    expect(out.reply.text).toBe('sev9 is not a severity (sev1–sev4, P1–P4).');
    const p7 = await run(app, incidents, '/incident declare "disk full" P7');
    expect(p7.reply.text).toBe('P7 is not a severity (sev1–sev4, P1–P4).');
    expect(await app.ports.incidents.listOpen()).toHaveLength(before);
    // A percentile is part of the title, not a severity.
    const p99 = await run(app, incidents, '/incident declare "checkout latency p99"');
    expect(p99.status).toBe('ok');
    expect((await app.ports.incidents.listOpen()).some((i) => i.title === 'checkout latency p99')).toBe(true);
  });

  it('raising an incident to a paging severity pages; resolving an incident never paged resolves no page', async () => {
    await run(app, incidents, '/incident declare "queue backlog" sev3');
    await run(app, incidents, '/incident declare "cache misses" sev3');
    const open = await app.ports.incidents.listOpen();
    const raised = open.find((i) => i.title === 'queue backlog')!;
    const quiet = open.find((i) => i.title === 'cache misses')!;
    const here = (i: typeof raised) => ({ platform: 'console', id: i.channel!.id, name: i.channel!.name });
    const sent = pd.events.length;

    const up = await run(app, here(raised), '/incident sev sev1');
    expect(up.reply).toMatchObject({ status: 'info' });
    expect(up.reply.context).toContain('On-call was paged.');
    expect(pd.events.slice(sent)).toEqual([expect.objectContaining({ event_action: 'trigger', dedup_key: raised.id, payload: expect.objectContaining({ summary: `${raised.id} (SEV1): queue backlog` }) })]);
    // Lowered again, it still has a page out: resolving resolves it.
    await run(app, here(raised), '/incident sev sev3');
    await run(app, here(raised), '/incident resolve');
    expect(pd.incidents.get(raised.id)).toBe('resolved');

    const count = pd.events.length;
    const resolved = await run(app, here(quiet), '/incident resolve');
    expect(resolved.reply.status).toBe('ok');
    expect(pd.events.length).toBe(count);
  });

  it('a page PagerDuty refuses is said in the incident channel; the incident is declared all the same', async () => {
    const wrong = await testApp(config(pd.url, 'WRONG0KEY0123456789abcdef0123456'));
    try {
      const c = await wrong.consoleMessages.ensureChannel('incidents');
      const declared = await run(wrong, { platform: 'console', id: c.id, name: c.name }, '/incident declare "db primary gone" sev1');
      expect(declared.status).toBe('ok');
      const [incident] = await wrong.ports.incidents.listOpen();
      expect(incident!.channel!.own).toBe(true);
      const said = (await wrong.consoleMessages.changesSince(0, 'x', 100)).messages.filter((m) => m.channel?.id === incident!.channel!.id).map((m) => m.reply);
      expect(said).toContainEqual(expect.objectContaining({ title: `${incident!.id}: on-call was not paged`, text: expect.stringContaining('On-call was not paged through PagerDuty') }));
      expect(JSON.stringify(declared.placement)).toContain('On-call was not paged');
      // No page went out, so resolving does not try (and fail) to resolve one.
      const resolved = await run(wrong, { platform: 'console', id: incident!.channel!.id, name: incident!.channel!.name }, '/incident resolve');
      expect(resolved.reply).toMatchObject({ status: 'ok' });
      expect(JSON.stringify(resolved.reply)).not.toContain('was not told');
    } finally {
      await wrong.close();
    }
  });
});
