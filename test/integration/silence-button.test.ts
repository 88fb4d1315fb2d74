import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AlertStore } from '../../src/alerts/alert-store.js';
import type { AlertGroup } from '../../src/alerts/model.js';
import { Dispatcher } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { alice, consoleChan, mallory, testApp } from '../support/app.js';

/**
 * The Silence button through the dispatcher, as main.ts wires it (silenceButton registered,
 * ports.silences from alerts.alertmanager_url), with an Alertmanager stand-in that records what it
 * is asked and a small AlertStore stand-in until the SQL store is on main.
 */
const SILENCE_ID = '1b2c3d4e-5f60-4718-9a0b-1c2d3e4f5a6b';

function group(over: Partial<AlertGroup> = {}): AlertGroup {
  const at = new Date('2026-11-25T09:00:00Z');
  return {
    id: 'g1',
    groupKey: '{}:{alertname="ProviderDown", service="gateway"}',
    source: 'alertmanager',
    status: 'firing',
    alertname: 'ProviderDown',
    service: 'gateway',
    severity: 'critical',
    channel: 'incidents',
    route: null,
    commonLabels: { alertname: 'ProviderDown', service: 'gateway', severity: 'critical' },
    commonAnnotations: {},
    firstFiredAt: at,
    lastChangeAt: at,
    resolvedAt: null,
    acknowledged: null,
    silence: null,
    escalated: [],
    incidentId: null,
    version: 1,
    firingCount: 2,
    resolvedCount: 0,
    ...over,
  };
}

class StandInAlerts implements AlertStore {
  readonly silenced: { id: string; silence: { id: string; until: Date; by: Actor }; platforms: readonly string[] }[] = [];
  constructor(public groups: Map<string, AlertGroup>) {}
  ingest(): never {
    throw new Error('not used');
  }
  async get(id: string) {
    return this.groups.get(id) ?? null;
  }
  async alerts() {
    return [];
  }
  async firing() {
    return [];
  }
  async acknowledge(): Promise<null> {
    return null;
  }
  async setSilence(id: string, silence: { id: string; until: Date; by: Actor }, platforms: readonly string[]) {
    this.silenced.push({ id, silence, platforms });
    const g = this.groups.get(id);
    if (!g) return null;
    const next = { ...g, silence: { id: silence.id, until: silence.until, by: silence.by.name }, version: g.version + 1 };
    this.groups.set(id, next);
    return next;
  }
  async markEscalated() {
    return false;
  }
  async unacknowledgedFiring() {
    return [];
  }
}

describe('Silence button (silence:<groupId>)', () => {
  let am: HttpRecorder;
  let app: App;
  let alerts: StandInAlerts;
  let dispatcher: Dispatcher;
  const now = new Date('2026-11-25T09:10:00Z');

  beforeAll(async () => {
    am = await startHttpRecorder();
    app = await testApp(`
roles:
  responders: ["console:alice"]
alerts:
  alertmanager_url: "${am.url}"
`);
  });
  afterAll(async () => {
    await app?.close();
    await am?.close();
  });
  beforeEach(() => {
    am.requests.length = 0;
    am.respond(200, JSON.stringify({ silenceID: SILENCE_ID }));
    alerts = new StandInAlerts(new Map([['g1', group()], ['g2', group({ id: 'g2', source: 'grafana' })], ['g3', group({ id: 'g3', status: 'resolved', resolvedAt: now })]]));
    dispatcher = new Dispatcher(app.loaded.config, { ...app.ports, alerts }, app.metrics, () => now);
  });

  const press = (actionId: string, actor: Actor = alice) => dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

  it('creates a 1 h Alertmanager silence on the group labels, stores it on the group, answers privately, records it', async () => {
    const r = await press('silence:g1');
    expect(r.status).toBe('ok');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.title).toBe('Silenced for 1 h (silence 1b2c…)');
    expect(r.reply.text).toContain(SILENCE_ID);

    expect(am.requests).toHaveLength(1);
    expect(am.requests[0]!.url).toBe('/api/v2/silences');
    expect(JSON.parse(am.requests[0]!.body)).toEqual({
      matchers: [
        { name: 'alertname', value: 'ProviderDown', isRegex: false, isEqual: true },
        { name: 'service', value: 'gateway', isRegex: false, isEqual: true },
        { name: 'severity', value: 'critical', isRegex: false, isEqual: true },
      ],
      startsAt: '2026-11-25T09:10:00.000Z',
      endsAt: '2026-11-25T10:10:00.000Z',
      createdBy: 'alice',
      comment: 'Silenced from Firebreak by alice',
    });
    expect(alerts.silenced).toEqual([{ id: 'g1', silence: { id: SILENCE_ID, until: new Date('2026-11-25T10:10:00Z'), by: alice }, platforms: ['console'] }]);

    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome, e.detail.silence, e.detail.group])).toEqual([['button', 'ok', SILENCE_ID, 'g1']]);
  });

  it('a second press while the silence lasts creates no second silence', async () => {
    await press('silence:g1');
    const again = await press('silence:g1');
    expect(again.status).toBe('invalid');
    expect(again.reply.text).toBe(`alice silenced it until 10:10 UTC (silence ${SILENCE_ID}); nothing more was done.`);
    expect(am.requests).toHaveLength(1);
  });

  it('needs the responders role: denied, explained, recorded, and Alertmanager is not called', async () => {
    const r = await press('silence:g1', mallory);
    expect(r.status).toBe('denied');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply.text).toContain('needs the "responders" role');
    expect(am.requests).toHaveLength(0);
    expect(alerts.silenced).toHaveLength(0);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => e.kind)).toEqual(['command.denied']);
  });

  it('Alertmanager refusing is a private failure in one sentence, and the group is not marked silenced', async () => {
    am.respond(400, '"Failed to create silence: start time must be before end time"');
    const r = await press('silence:g1');
    expect(r.status).toBe('failed');
    expect(r.reply.text).toBe(`Alertmanager at ${new URL(am.url).host} refused the silence with HTTP 400: Failed to create silence: start time must be before end time. Nothing was silenced.`);
    expect(alerts.silenced).toHaveLength(0);
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['button', 'failed']]);
  });

  it('an unknown group, a Grafana group and a resolved group are refused without calling Alertmanager', async () => {
    const unknown = await press('silence:nope');
    expect(unknown.reply.title).toBe('Unknown alert group');
    const grafana = await press('silence:g2');
    expect(grafana.reply.text).toMatch(/^Grafana alerts are silenced in Grafana/);
    const resolved = await press('silence:g3');
    expect(resolved.reply.text).toBe('ProviderDown resolved at 09:10 UTC; there is nothing to silence.');
    expect([unknown, grafana, resolved].map((r) => r.status)).toEqual(['invalid', 'invalid', 'invalid']);
    expect(am.requests).toHaveLength(0);
  });

  it('main.ts wires the silences port from alerts.alertmanager_url; without one the button says what to configure', async () => {
    expect(app.ports.silences?.target).toBe(new URL(am.url).host);
    expect(app.ports.buttons.prefixes()).toContain('silence');
    const d = new Dispatcher(app.loaded.config, { ...app.ports, alerts, silences: undefined }, app.metrics, () => now);
    const r = await d.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'silence:g1' } });
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('Silence needs alerts.alertmanager_url in the Firebreak config (Alertmanager API v2); nothing was silenced.');
    expect(am.requests).toHaveLength(0);
  });
});
