import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerIn, BOB, buttonsOf, clickPayload, configYaml, contextOf, headerOf, INCIDENTS, isRunning, slashPayload, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';


describe('Slack over Socket Mode (SLACK_APP_TOKEN) against the fake Slack', () => {
  let rig: SlackRig;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;

  beforeAll(async () => {
    targets = await startHealthTargets();
    rig = await startSlackRig(configYaml(targets.url), 'socket');
    await rig.fake.waitForSocket();
  });
  afterAll(async () => {
    await rig?.close();
    await targets?.close();
  });

  const postsTo = (channel: string) => rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel);

  it('opened the connection with the app token through apps.connections.open; no HTTP route needed', async () => {
    const open = rig.fake.callsOf('apps.connections.open', true);
    expect(open).toHaveLength(1);
    expect(rig.fake.socketConnections()).toBe(1);
    const res = await rig.post('command=%2Fhealth');
    expect(res.status).toBe(404);
  });

  it('slash command envelope → acknowledged on the socket → card posted; the button updates it in place', async () => {
    const ack = await rig.fake.sendEnvelope('slash_commands', slashPayload(rig.fake, '/health', 'api', INCIDENTS));
    expect(ack.envelope_id).toBeTruthy();
    const msg = await answerIn(rig.fake, INCIDENTS.id);
    expect(headerOf(msg.blocks)).toMatch(/^✅ Health — 1 of 1 check OK/);
    // The click's update, not the one that may have turned "Running…" into the card (a busy machine).
    await rig.slack.idle();
    const updatesBefore = rig.fake.callsOf('chat.update', true).length;
    const button = buttonsOf(msg.blocks)[0]!;
    const clickAck = await rig.fake.sendEnvelope('interactive', clickPayload(rig.fake, button.action_id, { channel: INCIDENTS.id, ts: msg.ts }, { user: BOB, label: 'Re-check' }));
    expect(clickAck.envelope_id).toBeTruthy();
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).slice(updatesBefore).find((c) => c.args.ts === msg.ts && !isRunning(c.args.blocks as unknown[])));
    expect(contextOf(update.args.blocks as unknown[])).toBe('<@UBOB> pressed Re-check');
  });

  it('a slow command is acknowledged on the socket first; "running…" and the result come after', async () => {
    const channel = { id: 'CSOCKSLOW', name: 'inc-sock-slow' };
    // /health worker's check is held back until the ack has come: an ack that waited for it would
    // never come (Slack gives 3 s, then retries).
    const release = targets.hold();
    const ack = await rig.fake.sendEnvelope('slash_commands', slashPayload(rig.fake, '/health', 'worker', channel));
    expect(rig.fake.calls.filter((c) => c.args.channel === channel.id && c.method === 'chat.update')).toEqual([]);
    release();
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).find((c) => c.args.channel === channel.id));
    expect(headerOf(update.args.blocks as unknown[])).toMatch(/^✅ Health — 1 of 1 check OK/);
    const running = postsTo(channel.id);
    expect(running.map((c) => headerOf(c.args.blocks as unknown[]))).toEqual(['⏳ Running /health worker…']);
    expect(running[0]!.at).toBeGreaterThan(ack.receivedAt);
    expect(update.at).toBeGreaterThan(ack.receivedAt);
    expect(update.args.ts).toBe([...rig.fake.messages.values()].find((m) => m.channel === channel.id)?.ts);
    expect(rig.fake.calls.filter((c) => c.args.channel === channel.id).every((c) => c.at > ack.receivedAt)).toBe(true);
  });

  it('an envelope redelivered (retry_attempt) runs once', async () => {
    const channel = { id: 'CSOCKRETRY', name: 'inc-sock-retry' };
    const payload = slashPayload(rig.fake, '/health', 'api', channel);
    await rig.fake.sendEnvelope('slash_commands', payload);
    await rig.fake.sendEnvelope('slash_commands', payload, { retryAttempt: 1 });
    await rig.fake.sendEnvelope('slash_commands', payload, { retryAttempt: 2 });
    await rig.fake.waitFor(() => postsTo(channel.id)[0]);
    await rig.slack.idle();
    expect(postsTo(channel.id)).toHaveLength(1);
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.map((e) => e.kind)).toEqual(['command']);
  });
});

describe('Socket Mode with a wrong app token', () => {
  it('Firebreak still starts (HTTP and the rest keep working) and Slack is not connected', async () => {
    const targets = await startHealthTargets();
    const rig = await startSlackRig(configYaml(targets.url), 'socket', { appToken: 'xapp-wrong' });
    try {
      expect(rig.fake.callsOf('apps.connections.open').map((c) => c.error)).toEqual(['invalid_auth']);
      expect(rig.fake.socketConnections()).toBe(0);
      const health = await fetch(`http://127.0.0.1:${rig.running.http.port}/healthz`);
      expect(health.status).toBe(200);
    } finally {
      await rig.close();
      await targets.close();
    }
  });
});
