import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderAlertCard } from '../../src/alerts/alert-card.js';
import { renderDiscord } from '../../src/chat/discord/render.js';
import { renderBlocks } from '../../src/chat/slack/render.js';
import { Redactor } from '../../src/core/redact.js';
import type { Reply } from '../../src/core/reply.js';
import { configFrom } from '../support/app.js';
import { ALERT_CARD_CONFIG, alertFixture, groupFixture } from '../support/alert-fixtures.js';

/**
 * The alert card as people see it on Slack and Discord, pinned by golden files in
 * test/golden/{slack,discord}/alert-*.json. After an intended change:
 *   UPDATE_GOLDEN=1 npx vitest run test/unit/alert-card.test.ts
 */
const config = configFrom(ALERT_CARD_CONFIG).config;
const now = new Date('2026-11-25T14:20:00Z');
const alerts = [
  alertFixture(1),
  alertFixture(2),
  alertFixture(3, { status: 'resolved', endsAt: new Date('2026-11-25T14:04:00Z'), annotations: { summary: 'Provider openai is failing', description: '5xx from openai on gw-3: 0%' } }),
];
const acked = groupFixture({ acknowledged: { by: { platform: 'slack', id: 'UALICE', name: 'alice' }, at: new Date('2026-11-25T14:05:30Z') }, version: 4 });
const resolved = groupFixture({
  status: 'resolved',
  resolvedAt: new Date('2026-11-25T14:14:00Z'),
  firingCount: 0,
  resolvedCount: 3,
  acknowledged: acked.acknowledged,
  version: 5,
});
const resolvedAlerts = alerts.map((a) => ({ ...a, status: 'resolved' as const, endsAt: new Date('2026-11-25T14:14:00Z') }));

const cards: Record<string, Reply> = {
  'alert-firing': renderAlertCard(groupFixture(), alerts, config, now),
  'alert-acknowledged': renderAlertCard(acked, alerts, config, now),
  'alert-resolved': renderAlertCard(resolved, resolvedAlerts, config, now),
};

function golden(platform: 'slack' | 'discord', name: string, value: unknown): void {
  const dir = new URL(`../golden/${platform}/`, import.meta.url);
  const file = new URL(`${name}.json`, dir);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text, `${file.pathname} differs; if intended, run UPDATE_GOLDEN=1 npx vitest run test/unit/alert-card.test.ts`).toBe(readFileSync(file, 'utf8'));
}

describe('alert card golden files', () => {
  const redactor = new Redactor();
  it.each(Object.keys(cards))('%s on Slack and Discord', (name) => {
    golden('slack', name, renderBlocks(cards[name]!, {}, { redactor }));
    golden('discord', name, renderDiscord(cards[name]!, redactor));
  });
});

const ids = (r: Reply) => (r.buttons ?? []).map((b) => b.actionId);

describe('the alert card', () => {
  it('a firing group: name and service, severity, counts, start, the summary, links, and every button it can offer', () => {
    const card = cards['alert-firing']!;
    expect(card.title).toBe('Firing: ProviderDown (api)');
    expect(card.status).toBe('error');
    expect(card.fields).toEqual([
      { label: 'Severity', value: 'critical' },
      { label: 'Alerts', value: '2 firing, 1 resolved' },
      { label: 'Started', value: '2026-11-25 14:02 UTC' },
      { label: 'Runbook', value: 'https://runbooks.example.com/001#provider-down' },
      { label: 'Source', value: 'http://prometheus.internal:9090/graph?g0.expr=rate(provider_errors_total%5B5m%5D)&g0.tab=1' },
    ]);
    expect(card.text?.split('\n')).toEqual([
      'Provider openai is failing',
      '• 5xx from openai on gw-1: 38% of requests · instance=gw-1:9090',
      '• 5xx from openai on gw-2: 38% of requests · instance=gw-2:9090',
      '• 5xx from openai on gw-3: 0% · instance=gw-3:9090 (resolved)',
    ]);
    // switch-fallback-model needs {{labels.model}}, which these alerts do not have: no button.
    expect(ids(card)).toEqual([
      'ack:42',
      'inc-open:42',
      'silence:42',
      'act:42 /run disable-provider provider=openai',
      'act:42 /run reset-circuit provider=openai',
      'act:42 /status api',
      'act:42 /restart api',
      'act:42 /rollback api',
    ]);
    expect(card.buttons?.find((b) => b.actionId === 'act:42 /rollback api')?.style).toBe('danger');
  });

  it('in an incident: says which, and Open incident is gone', () => {
    const card = renderAlertCard(groupFixture({ incidentId: 'INC-7' }), alerts, config, now);
    expect(card.fields).toContainEqual({ label: 'Incident', value: 'INC-7' });
    expect(ids(card)).not.toContain('inc-open:42');
    expect(ids(renderAlertCard(groupFixture({ status: 'resolved' }), alerts, config, now))).not.toContain('inc-open:42');
  });

  it('acknowledged: says by whom and when, and Acknowledge is gone', () => {
    const card = cards['alert-acknowledged']!;
    expect(card.fields).toContainEqual({ label: 'Acknowledged', value: 'by alice at 14:05 UTC' });
    expect(ids(card)).not.toContain('ack:42');
    expect(ids(card)).toContain('silence:42');
  });

  it('resolved: green, how long it fired, no Acknowledge or Silence', () => {
    const card = cards['alert-resolved']!;
    expect(card.title).toBe('Resolved: ProviderDown (api)');
    expect(card.status).toBe('ok');
    expect(card.fields).toContainEqual({ label: 'Resolved', value: '14:14 UTC, fired for 12 min' });
    expect(card.fields).toContainEqual({ label: 'Alerts', value: '3 resolved' });
    expect(ids(card).filter((id) => id.startsWith('ack:') || id.startsWith('silence:'))).toEqual([]);
  });

  it('a silence shows its id and until when, and hides Silence 1 h until it expires', () => {
    const silenced = groupFixture({ silence: { id: '7f3c2a10-5b1e-4c8e-9d1a-2f6b3c4d5e6f', until: new Date('2026-11-25T15:20:00Z'), by: 'bob' } });
    const card = renderAlertCard(silenced, alerts, config, now);
    expect(card.fields).toContainEqual({ label: 'Silenced', value: 'until 15:20 UTC by bob (silence 7f3c2a10-5b1e-4c8e-9d1a-2f6b3c4d5e6f)' });
    expect(ids(card)).not.toContain('silence:42');
    const later = renderAlertCard(silenced, alerts, config, new Date('2026-11-25T15:21:00Z'));
    expect(later.fields).toContainEqual({ label: 'Silenced', value: 'expired at 15:20 UTC by bob (silence 7f3c2a10-5b1e-4c8e-9d1a-2f6b3c4d5e6f)' });
    expect(ids(later)).toContain('silence:42');
  });

  it('offers Silence only with alerts.alertmanager_url and only for Alertmanager alerts', () => {
    const noAm = configFrom(ALERT_CARD_CONFIG.replace('  alertmanager_url: http://alertmanager.internal:9093\n', '')).config;
    expect(ids(renderAlertCard(groupFixture(), alerts, noAm, now))).not.toContain('silence:42');
    expect(ids(renderAlertCard(groupFixture({ source: 'grafana' }), alerts, config, now))).not.toContain('silence:42');
    expect(ids(renderAlertCard(groupFixture({ source: 'watch' }), alerts, config, now))).toEqual(expect.arrayContaining(['ack:42']));
  });

  it('fills route actions from the common labels, else the first firing alert; skips one it cannot fill with an allowed value', () => {
    const noCommonProvider = groupFixture({ commonLabels: { alertname: 'ProviderDown', service: 'api' } });
    const withModel = alerts.map((a) => ({ ...a, labels: { ...a.labels, provider: 'anthropic', model: 'gpt-4o' } }));
    expect(ids(renderAlertCard(noCommonProvider, withModel, config, now))).toEqual(
      expect.arrayContaining(['act:42 /run disable-provider provider=anthropic', 'act:42 /run switch-fallback-model alias=gpt-4o target=gpt-4o-mini']),
    );
    // Not one of the enum's values: /run would only refuse it, so there is no button.
    const unknown = groupFixture({ commonLabels: { alertname: 'ProviderDown', provider: 'mistral' } });
    expect(ids(renderAlertCard(unknown, [], config, now)).filter((id) => id.startsWith('act:42 /run'))).toEqual([]);
    // A label value that is not one plain word never becomes part of a typed command.
    const hostile = groupFixture({ commonLabels: { alertname: 'ProviderDown', provider: 'openai --all' }, service: null });
    expect(ids(renderAlertCard(hostile, [{ ...alerts[0]!, labels: { provider: 'openai; rm -rf /' } }], config, now))).toEqual(['ack:42', 'inc-open:42', 'silence:42']);
  });

  it('leaves off a button whose action id would not fit Discord (90 characters)', () => {
    const long = 'a'.repeat(40);
    const cfg = configFrom(`${ALERT_CARD_CONFIG}
  note:
    params: { m: { type: string, pattern: "^[a-z]+$" } }
    argv: [echo, "{m}"]
`.replace('        - "reset-circuit provider={{labels.provider}}"', '        - "note m={{labels.long}}"')).config;
    const g = groupFixture({ commonLabels: { ...groupFixture().commonLabels, long: long + long } });
    const card = renderAlertCard(g, alerts, cfg, now);
    expect(ids(card).every((id) => id.length <= 90)).toBe(true);
    expect(ids(card).some((id) => id.includes('note'))).toBe(false);
    const short = renderAlertCard(groupFixture({ commonLabels: { ...groupFixture().commonLabels, long } }), alerts, cfg, now);
    expect(ids(short)).toContain(`act:42 /run note m=${long}`);
  });

  it('keeps label and annotation text as plain text: Slack escapes it, so it cannot mention or link', () => {
    const hostile = '<!channel> <https://evil|click> & @everyone';
    const g = groupFixture({ alertname: hostile, commonAnnotations: { summary: hostile, runbook_url: 'javascript:alert(1)' } });
    const card = renderAlertCard(g, [], config, now);
    expect(card.fields?.some((f) => f.label === 'Runbook')).toBe(false);
    // mrkdwn is where Slack would parse it; plain_text (the header) shows it as typed.
    const message = renderBlocks(card, {}, { redactor: new Redactor() });
    const mrkdwn = [message.text, ...JSON.stringify(message.blocks).matchAll(/"type":"mrkdwn","text":"((?:[^"\\]|\\.)*)"/g)].map((m) => (typeof m === 'string' ? m : m[1]!));
    expect(mrkdwn.length).toBeGreaterThan(2);
    for (const text of mrkdwn) expect(text).not.toMatch(/<[!@#]|<https?:/);
    expect(message.text).toContain('&lt;!channel&gt; &lt;https://evil|click&gt; &amp; @everyone');
  });

  it('renders the same state the same way whenever it is rendered (so an unchanged card is not sent again)', () => {
    const later = new Date('2026-11-26T09:00:00Z');
    expect(renderAlertCard(groupFixture(), alerts, config, later)).toEqual(cards['alert-firing']);
  });

  it('counts what it does not describe', () => {
    const many = Array.from({ length: 12 }, (_, i) => alertFixture(i));
    const card = renderAlertCard(groupFixture({ firingCount: 40, resolvedCount: 0 }), many, config, now);
    expect(card.text?.split('\n').at(-1)).toBe('… and 37 more');
  });
});

describe('alert card values', () => {
  it("a single Grafana alert described by the group's summary still shows its values", () => {
    const group = groupFixture({ source: 'grafana', firingCount: 1, commonAnnotations: { summary: 'Disk almost full' } });
    const one = alertFixture(1, { annotations: { summary: 'Disk almost full' }, values: { B: 93.1 } });
    expect(renderAlertCard(group, [one], config, now).text).toBe('Disk almost full\nB=93.1');
  });
});
