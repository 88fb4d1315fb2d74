import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { ConsoleMessage } from '../../src/core/console-messages.js';
import type { ChannelRef } from '../../src/core/identity.js';
import { registerPostmortemRoutes } from '../../src/http/postmortem-routes.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { App } from '../../src/main.js';
import { alice, bob, silentLogger, testApp } from '../support/app.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-postmortems-'));
const CONFIG = `
roles:
  responders: ["console:alice", "console:bob"]
actions:
  disable-provider:
    params: { provider: { type: enum, values: [openai, anthropic] } }
    argv: [node, -e, "console.log('provider disabled')"]
alerts:
  routes:
    - match: { alertname: ProviderDown }
      severity: critical
      incident: sev1
postmortems:
  directory: { path: "${dir}" }
`;

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The loop on a fresh machine's platform (the console): an alert on a route with `incident:` opens
 * the incident and its channel; a fix is run there; resolving drafts the post-mortem from the
 * timeline, files it (a directory here), shows it in the channel, and serves it behind a signed link.
 */
describe('alert → incident → action → resolve → post-mortem, on the console', () => {
  let app: App;
  let http: RunningServer;

  beforeAll(async () => {
    app = await testApp(CONFIG);
    const router = new Router();
    registerPostmortemRoutes(router, { source: app.drafts.source, secret: app.drafts.secret, logger: silentLogger, redactor: app.ports.redactor });
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    await http.close();
    await app.close();
  });

  const messagesIn = async (channelId: string): Promise<ConsoleMessage[]> => (await app.consoleMessages.changesSince(0, 'nobody', 1000)).messages.filter((m) => m.channel?.id === channelId);

  it('closes the loop', async () => {
    const fired = await ingestNotification(app.ports, app.loaded.config, {
      source: 'alertmanager',
      groupKey: '{}:{alertname="ProviderDown"}',
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'ProviderDown' },
      commonLabels: { alertname: 'ProviderDown', service: 'litellm', provider: 'openai' },
      commonAnnotations: { summary: 'openai returns 503' },
      externalUrl: null,
      alerts: [{ fingerprint: 'f1', status: 'firing', labels: { alertname: 'ProviderDown', service: 'litellm', provider: 'openai' }, annotations: { summary: 'openai returns 503' }, startsAt: new Date(Date.now() - 120_000), endsAt: null, generatorUrl: null }],
    });
    expect(fired.transition).toBe('opened');
    // The route's `incident: sev1` declares it (once), with its own channel.
    // Declared in the background after the 2xx: wait until its channel exists too.
    const incident = await until('the incident and its channel', async () => (await app.ports.incidents.listOpen()).find((i) => i.channel?.own));
    expect(incident).toMatchObject({ severity: 'sev1', alertGroups: [fired.group.id] });
    const channel: ChannelRef = { platform: 'console', id: incident.channel!.id, name: incident.channel!.name };

    // A later alert of the same service joins the incident, and its card is queued for the incident's channel too.
    const later = await ingestNotification(app.ports, app.loaded.config, {
      source: 'alertmanager',
      groupKey: '{}:{alertname="HighErrorRate"}',
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: { alertname: 'HighErrorRate', service: 'litellm' },
      commonAnnotations: {},
      externalUrl: null,
      alerts: [{ fingerprint: 'f2', status: 'firing', labels: { alertname: 'HighErrorRate', service: 'litellm' }, annotations: {}, startsAt: new Date(), endsAt: null, generatorUrl: null }],
    });
    await until('the later alert to join', async () => (await app.ports.alerts.get(later.group.id))?.incidentId === incident.id);
    const queued = await app.db.query<{ message_key: string; channel: string }>("SELECT message_key, channel FROM outbox WHERE message_key LIKE '%@incident'");
    expect(queued).toEqual([{ message_key: `alert-group:${later.group.id}@incident`, channel: channel.name }]);

    // A fix run in the incident's channel, confirmed by a second person: on the incident's timeline.
    const card = await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text: '/run disable-provider provider=openai' } });
    const confirm = card.reply.buttons!.find((b) => b.actionId.startsWith('confirm:'))!;
    expect((await app.dispatcher.dispatch({ actor: bob, channel, input: { kind: 'action', actionId: confirm.actionId } })).status).toBe('ok');
    await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text: '/incident action "alert on provider error rate, not only on down"' } });

    const resolved = await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text: '/incident resolve "openai disabled; traffic on anthropic"' } });
    expect(resolved.status).toBe('ok');

    // Filed: the directory holds the draft, built from what happened.
    const files = readdirSync(dir);
    expect(files).toEqual([`${incident.id}.md`]);
    const md = readFileSync(join(dir, files[0]!), 'utf8');
    expect(md).toContain('ProviderDown');
    expect(md).toContain('disable-provider');
    expect(md).toContain('- [ ] alert on provider error rate, not only on down');

    // Shown in the incident's channel, with the signed link to the full draft.
    const pmCard = await until('the post-mortem card', async () => (await messagesIn(channel.id)).find((m) => m.reply.title.startsWith('Post-mortem draft:')));
    const link = /Full draft: (\S+)/.exec(pmCard.reply.text ?? '')![1]!;
    const url = new URL(link);
    const served = await fetch(`http://127.0.0.1:${http.port}${url.pathname}${url.search}`);
    expect(served.status).toBe(200);
    expect(await served.text()).toContain('disable-provider');
    const tampered = await fetch(`http://127.0.0.1:${http.port}${url.pathname}${url.search.replace(/sig=./, 'sig=x')}`);
    expect(tampered.status).toBe(403);

    // Regenerating updates the same card and the same file, never a second of either.
    await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text: '/incident note "late finding: the retry storm doubled the load"' } });
    const again = await app.dispatcher.dispatch({ actor: alice, channel, input: { kind: 'text', text: '/incident postmortem' } });
    expect(again.placement).toEqual({ kind: 'private' });
    expect(again.reply.title).toBe(`${incident.id}: post-mortem drafted again from the timeline`);
    expect(readdirSync(dir)).toEqual([`${incident.id}.md`]);
    expect(readFileSync(join(dir, `${incident.id}.md`), 'utf8')).toContain('late finding');
    expect((await messagesIn(channel.id)).filter((m) => m.reply.title.startsWith('Post-mortem draft:'))).toHaveLength(1);
  }, 120_000);
});
