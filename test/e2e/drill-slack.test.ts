import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { waitFor } from '../support/wait.js';
import { ALICE, BOB, headerOf, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

/**
 * /drill end to end on Slack, through firebreak start: the synthetic alert is stored by the
 * webhooks' ingestion, the outbox worker posts its card in #incidents (the Slack fake), the
 * escalation steps post their messages saying whom they would mention and mention nobody, PagerDuty
 * (a local fake) hears nothing without --page and one DRILL trigger with it, and the drill cleans
 * up: the card resolved, no incident open. The reply reports every hop.
 */
const KEY = 'drillslackroutingkey000000000000';

describe('/drill on Slack', () => {
  let pd: FakePagerDuty;
  let rig: SlackRig;

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
    rig = await startSlackRig(`
chat: { incidents_channel: incidents }
roles: { responders: ["slack:${ALICE.id}", "slack:${BOB.id}"] }
alerts:
  watch: { enabled: false }
  pagerduty: { routing_key: ${KEY}, api_url: "${pd.url}" }
  routes:
    - { match: { alertname: ProviderDown }, severity: critical, incident: sev1 }
  escalation:
    - { after_min: 5, mention: ["slack:S0ONCALL"] }
    - { after_min: 15, pagerduty: true, severities: [critical] }
incidents:
  paging: { severities: [sev1] }
`);
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    await pd?.close();
  });

  const messages = () => [...rig.fake.messages.values()].filter((m) => m.channel === INCIDENTS.id);
  const reportWith = (re: RegExp) => () => messages().find((m) => re.test(headerOf(m.blocks)));

  it('reports every hop, mentions and pages nobody, and leaves the card resolved and no incident open', async () => {
    await rig.command('/drill', 'ProviderDown');
    const report = await rig.fake.waitFor(reportWith(/^✅ 🧪 DRILL: the alert path works/), 60_000);
    const text = JSON.stringify(report.blocks);
    expect(text).toMatch(/webhook stored alert group \d+ in #incidents in \d+(\.\d)? m?s/);
    expect(text).toMatch(/card posted on slack in \d+(\.\d)? m?s/);
    expect(text).toMatch(/escalation step 1 would mention the Slack user group S0ONCALL after 5 min \(posted in/);
    expect(text).toMatch(/escalation step 2 would page PagerDuty \(not paged without --page\) after 15 min/);
    expect(text).toMatch(/card shows it resolved in/);

    const card = messages().find((m) => headerOf(m.blocks).endsWith('Resolved: ProviderDown'));
    expect(headerOf(card!.blocks)).toBe('✅ 🧪 DRILL · Resolved: ProviderDown');
    const step = messages().find((m) => headerOf(m.blocks).includes('🧪 DRILL · ProviderDown unacknowledged for 5 min'));
    expect(JSON.stringify(step!.blocks)).toContain('Would mention the Slack user group S0ONCALL (not mentioned: this is a drill).');
    // Nobody was mentioned anywhere: no user group mention reached Slack.
    for (const c of rig.fake.callsOf('chat.postMessage')) expect(JSON.stringify(c.args)).not.toContain('<!subteam^');
    expect(pd.requests).toHaveLength(0);
    expect(await rig.running.app.ports.incidents.listOpen()).toEqual([]);
    expect(await rig.running.app.ports.alerts.firing()).toEqual([]);
  }, 90_000);

  it('--page --incident pages PagerDuty once saying DRILL, declares a DRILL incident channel without paging it, and resolves both', async () => {
    const createdBefore = rig.fake.callsOf('conversations.create', true).length;
    await rig.command('/drill', 'ProviderDown --page --incident', { user: BOB });
    const report = await rig.fake.waitFor(() => messages().find((m) => /^✅ 🧪 DRILL: the alert path works/.test(headerOf(m.blocks)) && JSON.stringify(m.blocks).includes('incident INC-')), 60_000);
    const text = JSON.stringify(report.blocks);
    expect(text).toMatch(/escalation step 2 paged PagerDuty \(DRILL\) after 15 min/);
    expect(text).toMatch(/incident INC-\d+ declared in #inc-\d{8}-drill-providerdown/);
    expect(text).toMatch(/incident INC-\d+ resolved in/);

    await waitFor(() => pd.events.some((e) => e.event_action === 'resolve'), 20_000, 'the page resolved');
    const triggers = pd.events.filter((e) => e.event_action === 'trigger');
    expect(triggers).toHaveLength(1);
    expect(triggers[0]!.payload!.summary).toMatch(/^DRILL: ProviderDown unacknowledged for 15 min/);
    expect(pd.incidents.get(triggers[0]!.dedup_key!)).toBe('resolved');
    expect(rig.fake.callsOf('conversations.create', true).length).toBe(createdBefore + 1);
    expect(await rig.running.app.ports.incidents.listOpen()).toEqual([]);
  }, 90_000);
});
