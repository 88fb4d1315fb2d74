import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { startSlackFake } from '../fakes/slack-api.js';
import { pushAll, startAlertmanager, startAlertmanagerPair, type RunningAlertmanager } from '../support/alertmanager.js';

/**
 * The real Alertmanager harness, against a recorder: what it POSTs, with the Bearer token, on fire
 * and on resolve; an HA pair delivering the same notification twice. Also keeps the committed
 * captures honest: their fields are the ones the installed Alertmanager sends.
 */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8'));
const keys = (o: unknown) => Object.keys(o as object).sort();
const TOKEN = 'harness-token-0123456789abcdef';

interface Notification {
  status: string;
  groupKey: string;
  externalURL: string;
  alerts: { status: string; fingerprint: string; startsAt: string; endsAt: string; labels: Record<string, string> }[];
}

async function waitForBodies(rec: HttpRecorder, n: number, ams: RunningAlertmanager[]): Promise<Notification[]> {
  const deadline = Date.now() + 20_000;
  while (rec.requests.length < n) {
    if (Date.now() > deadline) throw new Error(`expected ${n} notifications, got ${rec.requests.length}:\n${ams.map((a) => a.log().slice(-1500)).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return rec.requests.map((r) => JSON.parse(r.body) as Notification);
}

describe('real Alertmanager (prometheus-alertmanager)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('posts a firing group with the Bearer token, then the resolved group, shaped like the committed captures', async () => {
    const rec = await startHttpRecorder();
    cleanup.push(() => rec.close());
    const am = await startAlertmanager({ webhookUrl: `${rec.url}/webhooks/alertmanager`, token: TOKEN });
    cleanup.push(() => am.stop());
    const alerts = ['openai', 'anthropic'].map((provider) => ({ labels: { alertname: 'ProviderDown', service: 'gateway', provider }, annotations: { summary: `${provider} down` } }));
    await am.push(alerts);
    const [firing] = await waitForBodies(rec, 1, [am]);
    expect(rec.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(rec.requests[0]!.url).toBe('/webhooks/alertmanager');
    expect(firing!.status).toBe('firing');
    expect(firing!.groupKey).toBe('{}:{alertname="ProviderDown", service="gateway"}');
    expect(firing!.alerts.map((a) => a.labels.provider)).toEqual(['anthropic', 'openai']);

    await am.resolve(alerts);
    const [, resolved] = await waitForBodies(rec, 2, [am]);
    expect(resolved!.status).toBe('resolved');
    expect(resolved!.alerts.every((a) => a.status === 'resolved' && !a.endsAt.startsWith('0001'))).toBe(true);

    const captured = fixture('alertmanager-0.25-firing.json') as Notification;
    expect(keys(firing)).toEqual(keys(captured));
    expect(keys(firing!.alerts[0])).toEqual(keys(captured.alerts[0]));
    expect(keys(resolved)).toEqual(keys(fixture('alertmanager-0.25-resolved.json')));
    expect(rec.requests[0]!.headers['user-agent']).toBe((fixture('alertmanager-0.25-request.json') as { headers: Record<string, string> }).headers['user-agent']);
  });

  it('an HA pair delivers the same notification from each instance: same groupKey, fingerprints and startsAt, different externalURL', async () => {
    const rec = await startHttpRecorder();
    cleanup.push(() => rec.close());
    const pair = await startAlertmanagerPair({ webhookUrl: `${rec.url}/webhooks/alertmanager`, token: TOKEN });
    cleanup.push(async () => {
      for (const am of pair) await am.stop();
    });
    await pushAll(pair, [{ labels: { alertname: 'HighMemoryUsage', service: 'agent', pod: 'agent-0' }, startsAt: new Date() }]);
    const [a, b] = await waitForBodies(rec, 2, pair);
    expect(a!.groupKey).toBe(b!.groupKey);
    expect(a!.alerts.map((x) => [x.fingerprint, x.startsAt])).toEqual(b!.alerts.map((x) => [x.fingerprint, x.startsAt]));
    expect(new Set([a!.externalURL, b!.externalURL])).toEqual(new Set(pair.map((am) => am.url)));
  });

  it("Alertmanager's own Slack receiver posts to the fake Slack's incoming webhook, which allows one message per second per channel", async () => {
    const fake = await startSlackFake({ botToken: 'xoxb-unused' });
    cleanup.push(() => fake.close());
    const am = await startAlertmanager({ slack: { apiUrl: fake.incomingWebhookUrl('CINCIDENTS'), channel: '#incidents' }, groupInterval: '1m' });
    cleanup.push(() => am.stop());
    await am.push(['api', 'worker', 'gateway'].map((service) => ({ labels: { alertname: 'ProviderDown', service } })));
    const hooks = await fake.waitFor(() => {
      const c = fake.callsOf('incoming-webhook');
      return c.length >= 3 ? c : null;
    }, 20_000);
    // The three groups flush together: one gets through, the others get Slack's 429 (Alertmanager gives up until group_interval).
    expect(hooks.map((c) => c.status).sort()).toEqual([200, 429, 429]);
    const [posted] = [...fake.messages.values()];
    expect(posted?.channel).toBe('CINCIDENTS');
    expect(JSON.stringify(posted?.attachments)).toMatch(/\[FIRING:1\] ProviderDown (api|worker|gateway)/);
  });
});
