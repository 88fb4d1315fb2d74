import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, BOB, buttonsOf, headerOf, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

/**
 * An alert end to end on Slack, through firebreak start: Alertmanager's webhook (payload v4) is
 * stored, the outbox worker posts its card in #incidents, Bob presses
 * Acknowledge on it (a signed block_actions request), and the card says so for everyone while
 * Bob alone is told; Alice's later press is told Bob was first.
 */
describe('an alert card on Slack', () => {
  let rig: SlackRig;

  beforeAll(async () => {
    rig = await startSlackRig(`
chat: { incidents_channel: incidents }
roles: { responders: ["slack:${ALICE.id}", "slack:${BOB.id}"] }
alerts:
  routes:
    - match: { alertname: ProviderDown }
      actions: ["disable-provider provider={{labels.provider}}"]
    - match: { alertname: ApiErrors }
      diagnose: diagnose-api
procedures:
  diagnose-api:
    description: Runbook 001, High Error Rate → Investigation
    params: { service: { type: string, pattern: "[a-z]+" } }
    steps:
      - run: /run api-errors service={labels.service}
actions:
  api-errors:
    description: ERROR lines of a service's logs
    read_only: true
    params: { service: { type: string, pattern: "[a-z]+" } }
    argv: [node, -e, "console.log('ERROR upstream timeout in ' + process.argv[1])", "{service}"]
  disable-provider:
    description: Stop routing traffic to a provider
    params: { provider: { type: enum, values: [openai, anthropic] } }
    argv: [node, -e, "console.log('disabled ' + process.argv[1])", "{provider}"]
`);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
  });

  const webhook = async (groupKey: string, labels: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${rig.running.http.port}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '4',
        groupKey,
        status: 'firing',
        receiver: 'firebreak',
        groupLabels: { alertname: labels.alertname },
        commonLabels: labels,
        commonAnnotations: { summary: `Provider ${labels.provider} is failing` },
        externalURL: 'http://alertmanager:9093',
        alerts: [{ status: 'firing', labels, annotations: { summary: `Provider ${labels.provider} is failing` }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prometheus:9090/graph', fingerprint: `fp-${groupKey}` }],
      }),
    });
    expect(res.status).toBe(200);
    return { id: String(((await res.json()) as { group: string | number }).group) };
  };
  const cardMessage = () => [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id && headerOf(m.blocks) === '❌ Firing: ProviderDown (api)');
  const acknowledgedBy = (name: string) => () => {
    const m = cardMessage();
    return m && JSON.stringify(m.blocks).includes(`*Acknowledged*\\nby ${name} at `) ? m : undefined;
  };

  it('a webhook becomes a card; Acknowledge updates it for everyone, tells the presser privately, and a second press who was first', async () => {
    const g = await webhook('{}:{alertname="ProviderDown"}', { alertname: 'ProviderDown', service: 'api', severity: 'critical', provider: 'openai' });
    const card = await rig.fake.waitFor(cardMessage, 20_000);
    expect(JSON.stringify(card.blocks)).toContain('Provider openai is failing');
    expect(buttonsOf(card.blocks).map((b) => b.action_id)).toEqual([`ack:${g.id}`, `inc-open:${g.id}`, `act:${g.id} /run disable-provider provider=openai`]);

    await rig.press(`ack:${g.id}`, { channel: INCIDENTS.id, ts: card.ts }, { user: BOB, label: 'Acknowledge' });
    const acked = await rig.fake.waitFor(acknowledgedBy('Bob B'), 20_000);
    expect(acked.ts).toBe(card.ts);
    expect(buttonsOf(acked.blocks).map((b) => b.action_id)).toEqual([`inc-open:${g.id}`, `act:${g.id} /run disable-provider provider=openai`]);
    const told = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => JSON.stringify(p.body.blocks).includes('You acknowledged ProviderDown (api)')), 20_000);
    expect(told.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });

    await rig.press(`ack:${g.id}`, { channel: INCIDENTS.id, ts: card.ts }, { user: ALICE, label: 'Acknowledge' });
    const second = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => JSON.stringify(p.body.blocks).includes('Already acknowledged')), 20_000);
    expect(JSON.stringify(second.body.blocks)).toMatch(/ProviderDown \(api\) was acknowledged by Bob B at \d\d:\d\d UTC\./);
    expect((await rig.running.app.ports.alerts.get(g.id))?.acknowledged?.by).toMatchObject({ platform: 'slack', id: BOB.id });
    // Still one card in the channel, whichever way it was updated (the click, then the outbox).
    await rig.slack.idle();
    expect([...rig.fake.messages.values()].filter((m) => m.channel === INCIDENTS.id && headerOf(m.blocks).includes('ProviderDown'))).toHaveLength(1);
  }, 60_000);

  it("a runbook button runs through the confirmation card in the card's thread; the card stays as it was", async () => {
    const g = await webhook('{}:{alertname="ProviderDown",provider="anthropic"}', { alertname: 'ProviderDown', severity: 'warning', provider: 'anthropic' });
    const card = await rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id && JSON.stringify(m.blocks).includes(`ack:${g.id}`)), 20_000);
    const before = JSON.stringify(card.blocks);

    await rig.press('act:/run disable-provider provider=anthropic', { channel: INCIDENTS.id, ts: card.ts }, { user: ALICE, label: 'disable-provider anthropic' });
    const ask = await rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.thread_ts === card.ts && /^⏳ Run disable-provider with provider=anthropic\?$/.test(headerOf(m.blocks))), 20_000);
    const confirm = buttonsOf(ask.blocks).find((b) => b.action_id.startsWith('confirm:'))!;
    await rig.press(confirm.action_id, { channel: INCIDENTS.id, ts: ask.ts }, { user: BOB, label: confirm.text.text });
    const done = await rig.fake.waitFor(() => {
      const m = rig.fake.messages.get(`${INCIDENTS.id}:${ask.ts}`);
      return m && /^✅ disable-provider: done/.test(headerOf(m.blocks)) ? m : undefined;
    }, 20_000);
    expect(JSON.stringify(done.blocks)).toContain('disabled anthropic');
    await rig.slack.idle();
    expect(JSON.stringify(rig.fake.messages.get(`${INCIDENTS.id}:${card.ts}`)?.blocks)).toBe(before);
  }, 60_000);

  it("a diagnosis on arrival is posted in the card's thread (thread_ts = the card's ts) and shows the finished run", async () => {
    const g = await webhook('{}:{alertname="ApiErrors"}', { alertname: 'ApiErrors', service: 'api', severity: 'critical', provider: 'openai' });
    const card = await rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id && !m.thread_ts && JSON.stringify(m.blocks).includes(`ack:${g.id}`)), 30_000);
    const report = await rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => headerOf(m.blocks) === '✅ Procedure diagnose-api: all 1 steps done'), 60_000);
    expect(report.channel).toBe(INCIDENTS.id);
    expect(report.thread_ts).toBe(card.ts);
    expect(JSON.stringify(report.blocks)).toContain('ERROR upstream timeout in api');
    // One report, edited in place as the step finished: no second message for the same run.
    expect([...rig.fake.messages.values()].filter((m) => headerOf(m.blocks).includes('Procedure diagnose-api'))).toHaveLength(1);
  }, 90_000);
});
