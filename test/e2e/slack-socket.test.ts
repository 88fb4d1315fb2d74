import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { ALICE, BOB, buttonsOf, clickPayload, configYaml, contextOf, headerOf, INCIDENTS, nextTrigger, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';

function slashPayload(rig: SlackRig, command: string, text: string, channel: { id: string; name: string }, trigger = nextTrigger()) {
  return {
    token: 'verification-token-unused',
    team_id: 'T1',
    team_domain: 'fake',
    channel_id: channel.id,
    channel_name: channel.name,
    user_id: ALICE.id,
    user_name: ALICE.name,
    command,
    text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: rig.fake.responseUrl(trigger),
    trigger_id: trigger,
  };
}

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
    const ack = await rig.fake.sendEnvelope('slash_commands', slashPayload(rig, '/health', 'api', INCIDENTS));
    expect(ack.envelope_id).toBeTruthy();
    const post = await rig.fake.waitFor(() => postsTo(INCIDENTS.id)[0]);
    expect(headerOf(post.args.blocks as unknown[])).toMatch(/^✅ Health — 1 of 1 check OK/);
    const msg = [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id)!;
    const button = buttonsOf(msg.blocks)[0]!;
    const clickAck = await rig.fake.sendEnvelope('interactive', clickPayload(rig.fake, button.action_id, { channel: INCIDENTS.id, ts: msg.ts }, { user: BOB, label: 'Re-check' }));
    expect(clickAck.envelope_id).toBeTruthy();
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).find((c) => c.args.ts === msg.ts));
    expect(contextOf(update.args.blocks as unknown[])).toBe('<@UBOB> pressed Re-check');
  });

  it('an envelope redelivered (retry_attempt) runs once', async () => {
    const channel = { id: 'CSOCKRETRY', name: 'inc-sock-retry' };
    const payload = slashPayload(rig, '/health', 'api', channel);
    await rig.fake.sendEnvelope('slash_commands', payload);
    await rig.fake.sendEnvelope('slash_commands', payload, { retryAttempt: 1 });
    await rig.fake.sendEnvelope('slash_commands', payload, { retryAttempt: 2 });
    await rig.fake.waitFor(() => postsTo(channel.id)[0]);
    await rig.slack.idle();
    expect(postsTo(channel.id)).toHaveLength(1);
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.map((e) => e.kind)).toEqual(['command']);
  });

  describe('every registered command works as a slash command over Socket Mode', () => {
    it.each(commands.map((c) => c.name))('/%s gets a visible answer', async (name) => {
      const channel = { id: `CSOCKALL${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`, name: `inc-sock-${name}` };
      const trigger = nextTrigger();
      await rig.fake.sendEnvelope('slash_commands', slashPayload(rig, `/${name}`, '', channel, trigger));
      const answer = await rig.fake.waitFor(() => postsTo(channel.id)[0]?.args.blocks ?? rig.fake.responsePosts.find((p) => p.id === trigger)?.body.blocks);
      expect(headerOf(answer as unknown[])).not.toBe('');
      expect(headerOf(answer as unknown[])).not.toMatch(/Unknown command|could not/i);
      await rig.slack.idle();
      const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
      expect(events.map((e) => e.command)).toContain(name);
    });
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
