import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { configFrom, testRuntime } from '../support/app.js';
import { startAlertmanager, type PushedAlert, type RunningAlertmanager } from '../support/alertmanager.js';
import { waitFor } from '../support/wait.js';

/**
 * The dead man's switch end to end: the real Alertmanager (Debian's prometheus-alertmanager)
 * delivers the always-firing Watchdog to `firebreak start`, which shows no card for it. Alertmanager
 * is then stopped; after expect_every_s × 2 Firebreak raises "Alerting pipeline silent" through the
 * normal path (a card on the console platform, the escalation step, a PagerDuty page), and a new
 * Alertmanager delivering the Watchdog again resolves it (card and page). expect_every_s is 2 s and
 * Alertmanager repeats every second, so real clocks suffice.
 */
const ROUTING_KEY = 'watchdogroutingkey00000000000000';
const WATCHDOG: PushedAlert = { labels: { alertname: 'Watchdog', severity: 'none' }, annotations: { summary: 'always firing' } };

describe('alerts.watchdog with the real Alertmanager', () => {
  let running: Running;
  let dataDir: string;
  let pd: FakePagerDuty;
  let am: RunningAlertmanager | undefined;

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: ROUTING_KEY });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-watchdog-'));
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir }),
      configFrom(`
alerts:
  watch: { enabled: false }
  watchdog: { alertname: Watchdog, expect_every_s: 2 }
  pagerduty: { routing_key: ${ROUTING_KEY}, api_url: "${pd.url}" }
  escalation:
    - { after_min: 0, mention: [console:bob], pagerduty: true }
`),
      { host: '127.0.0.1' },
    );
  }, 120_000);
  afterAll(async () => {
    await am?.stop();
    await running?.close();
    await pd?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const startAm = () =>
    startAlertmanager({ webhookUrl: `http://127.0.0.1:${running.http.port}/webhooks/alertmanager`, groupBy: ['alertname'], repeatInterval: '1s' });
  const messages = async () => (await running.app.consoleMessages.changesSince(0, 'tester')).messages;
  const watchdogRow = async () => (await running.app.db.query<{ last_seen_at: Date; ever_seen: boolean; raised_at: Date | null }>("SELECT last_seen_at, ever_seen, raised_at FROM watchdog WHERE alertname = 'Watchdog'"))[0];

  it('swallows the Watchdog, says "Alerting pipeline silent" (card, escalation, page) when it stops, and resolves when it returns', async () => {
    am = await startAm();
    await am.push([WATCHDOG]);
    await waitFor(async () => (await watchdogRow())?.ever_seen, 30_000, 'the Watchdog noted as seen');
    // Seen more than once: it keeps arriving, and never becomes a group or a card.
    const first = (await watchdogRow())!.last_seen_at;
    await waitFor(async () => (await watchdogRow())!.last_seen_at > first, 30_000, 'a repeat of the Watchdog');
    expect(await running.app.db.query("SELECT id FROM alert_groups WHERE alertname = 'Watchdog'")).toEqual([]);
    expect((await messages()).filter((m) => m.reply.title.includes('Watchdog'))).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${running.http.port}/metrics`)).text();
    expect(metrics).toMatch(/^firebreak_watchdog_last_seen_seconds\{alertname="Watchdog"\} \d{10}/m);

    // The pipeline breaks: Alertmanager is gone.
    await am.stop();
    am = undefined;
    const card = await waitFor(async () => (await messages()).find((m) => m.reply.title === 'Firing: AlertingPipelineSilent'), 60_000, 'the silent card');
    expect(card.channel?.name).toBe('incidents');
    expect(card.reply.text).toMatch(/Alerting pipeline silent since \d\d:\d\d UTC/);
    const step = await waitFor(async () => (await messages()).find((m) => m.reply.title.startsWith('AlertingPipelineSilent unacknowledged')), 60_000, 'the escalation step');
    expect(step.reply.mentions).toEqual([{ platform: 'console', kind: 'user', id: 'bob' }]);
    const trigger = await waitFor(() => pd.events.find((e) => e.event_action === 'trigger'), 30_000, 'the PagerDuty trigger');
    expect(trigger.payload?.summary).toMatch(/AlertingPipelineSilent unacknowledged for .*Alerting pipeline silent since/);
    expect(trigger.payload?.severity).toBe('critical');
    // Raised once, however many checks ran since.
    expect(await running.app.db.query("SELECT id FROM alert_groups WHERE alertname = 'AlertingPipelineSilent'")).toHaveLength(1);

    // It comes back: a new Alertmanager delivers the Watchdog again.
    am = await startAm();
    await am.push([WATCHDOG]);
    await waitFor(async () => (await messages()).find((m) => m.id === card.id && m.reply.title === 'Resolved: AlertingPipelineSilent'), 60_000, 'the card resolved in place');
    await waitFor(() => pd.events.find((e) => e.event_action === 'resolve' && e.dedup_key === trigger.dedup_key), 30_000, 'the page resolved');
    expect((await watchdogRow())!.raised_at).toBeNull();
    expect((await messages()).filter((m) => m.reply.title.includes('AlertingPipelineSilent') && m.reply.title.startsWith('Firing'))).toEqual([]);
  }, 180_000);
});
