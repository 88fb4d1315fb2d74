import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ingestNotification } from '../../src/alerts/ingest.js';
import type { AlertNotification } from '../../src/alerts/model.js';
import { alertmanagerPayloadSchema, fromAlertmanager } from '../../src/alerts/payloads/alertmanager.js';
import { fromGrafana, grafanaPayloadSchema } from '../../src/alerts/payloads/grafana.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { AppPorts } from '../../src/app/ports.js';
import type { App } from '../../src/main.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';

/**
 * The Silence button through the dispatcher, as main.ts wires it (silenceButton registered,
 * ports.silences from alerts.alertmanager_url, the SQL AlertStore), with groups ingested from the
 * captured Alertmanager 0.25 bodies and an Alertmanager stand-in that records what it is asked.
 * (The real Alertmanager's side is in test/integration/alertmanager-silences.test.ts and the e2e.)
 */
const SILENCE_ID = '1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b';
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/alerts/${name}`, import.meta.url), 'utf8'));
const am4 = (name: string, groupKey?: string): AlertNotification => {
  const n = fromAlertmanager(alertmanagerPayloadSchema.parse(fixture(name)));
  return groupKey ? { ...n, groupKey } : n;
};

describe('Silence button (silence:<groupId>)', () => {
  let am: HttpRecorder;
  let app: App;
  let dispatcher: Dispatcher<AppPorts>;
  const now = new Date('2026-12-01T09:30:00Z');
  const ids = { firing: '', grafana: '', resolved: '' };

  beforeAll(async () => {
    am = await startHttpRecorder();
    app = await testApp(`
roles:
  responders: ["console:alice"]
alerts:
  alertmanager_url: "${am.url}"
`);
    dispatcher = new Dispatcher(app.loaded.config, app.ports, app.metrics, () => now);
    const cfg = app.loaded.config;
    ids.grafana = (await ingestNotification(app.ports, cfg, fromGrafana(grafanaPayloadSchema.parse(fixture('grafana-firing.json'))))).group.id;
    await ingestNotification(app.ports, cfg, am4('alertmanager-0.25-firing.json', 'resolved-group'));
    ids.resolved = (await ingestNotification(app.ports, cfg, am4('alertmanager-0.25-resolved.json', 'resolved-group'))).group.id;
  });
  afterAll(async () => {
    await app?.close();
    await am?.close();
  });
  beforeEach(async () => {
    am.requests.length = 0;
    am.respond(200, JSON.stringify({ silenceID: SILENCE_ID }));
    // A fresh firing group per test (its own groupKey), so one test's silence is not another's.
    ids.firing = (await ingestNotification(app.ports, app.loaded.config, am4('alertmanager-0.25-firing.json', `firing-${Math.random()}`))).group.id;
  });

  const press = (actionId: string, actor: Actor = alice) => dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

  const storedSilence = async (id: string) => (await app.ports.alerts.get(id))?.silence ?? null;
  const silencedEvents = async (id: string) => (await app.ports.timeline.list({ limit: 500 })).filter((e) => e.kind === 'alert.silenced' && e.detail.group === id);

  it('creates a 1 h Alertmanager silence on the group labels, stores it on the group, answers privately, records it', async () => {
    const r = await press(`silence:${ids.firing}`);
    expect(r.status).toBe('ok');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.title).toBe('Silenced for 1 h (silence 1b2c…)');
    expect(r.reply.text).toContain(SILENCE_ID);

    expect(am.requests).toHaveLength(1);
    expect(am.requests[0]!.url).toBe('/api/v2/silences');
    // The captured group's commonLabels, each an equality matcher.
    expect(JSON.parse(am.requests[0]!.body)).toEqual({
      matchers: [
        { name: 'alertname', value: 'ProviderDown', isRegex: false, isEqual: true },
        { name: 'instance', value: 'gateway-0:4000', isRegex: false, isEqual: true },
        { name: 'job', value: 'providers', isRegex: false, isEqual: true },
        { name: 'service', value: 'gateway', isRegex: false, isEqual: true },
        { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
      ],
      startsAt: '2026-12-01T09:30:00.000Z',
      endsAt: '2026-12-01T10:30:00.000Z',
      createdBy: 'alice',
      comment: 'Silenced from Firebreak by alice',
    });
    expect(await storedSilence(ids.firing)).toEqual({ id: SILENCE_ID, until: new Date('2026-12-01T10:30:00Z'), by: 'alice' });

    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome, e.detail.silence, e.detail.group])).toEqual([['button', 'ok', SILENCE_ID, ids.firing]]);
    expect(await silencedEvents(ids.firing)).toHaveLength(1);
  });

  it('a second press while the silence lasts creates no second silence', async () => {
    await press(`silence:${ids.firing}`);
    const again = await press(`silence:${ids.firing}`);
    expect(again.status).toBe('invalid');
    expect(again.reply.text).toBe(`alice silenced it until 10:30 UTC (silence ${SILENCE_ID}); nothing more was done.`);
    expect(am.requests).toHaveLength(1);
    expect(await silencedEvents(ids.firing)).toHaveLength(1);
  });

  it('needs the responders role: denied, explained, recorded, and Alertmanager is not called', async () => {
    const r = await press(`silence:${ids.firing}`, mallory);
    expect(r.status).toBe('denied');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.text).toContain('needs the "responders" role');
    expect(am.requests).toHaveLength(0);
    expect(await storedSilence(ids.firing)).toBeNull();
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => e.kind)).toEqual(['command.denied']);
  });

  it('Alertmanager refusing is a private failure in one sentence, and the group is not marked silenced', async () => {
    am.respond(400, '"Failed to create silence: start time must be before end time"');
    const r = await press(`silence:${ids.firing}`);
    expect(r.status).toBe('failed');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.text).toBe(`Alertmanager at ${new URL(am.url).host} refused the silence with HTTP 400: Failed to create silence: start time must be before end time. Nothing was silenced.`);
    expect(await storedSilence(ids.firing)).toBeNull();
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['button', 'failed']]);
  });

  it('an unknown group, a Grafana group and a resolved group are refused without calling Alertmanager', async () => {
    const unknown = await press('silence:999999');
    expect(unknown.reply.title).toBe('Unknown alert group');
    const grafana = await press(`silence:${ids.grafana}`);
    expect(grafana.reply.text).toMatch(/^Grafana alerts are silenced in Grafana/);
    const resolved = await press(`silence:${ids.resolved}`);
    const at = (await app.ports.alerts.get(ids.resolved))!.resolvedAt!;
    expect(resolved.reply.text).toBe(`ProviderDown resolved at ${at.toISOString().slice(11, 16)} UTC; there is nothing to silence.`);
    expect([unknown, grafana, resolved].map((r) => r.status)).toEqual(['invalid', 'invalid', 'invalid']);
    expect(am.requests).toHaveLength(0);
  });

  it('main.ts wires the silences port from alerts.alertmanager_url; without one the button says what to configure', async () => {
    expect(app.ports.silences?.target).toBe(new URL(am.url).host);
    expect(app.ports.buttons.prefixes()).toContain('silence');
    const d = new Dispatcher(app.loaded.config, { ...app.ports, silences: undefined }, app.metrics, () => now);
    const r = await d.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: `silence:${ids.firing}` } });
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('Silence needs alerts.alertmanager_url in the Firebreak config (Alertmanager API v2); nothing was silenced.');
    expect(am.requests).toHaveLength(0);
  });
});
