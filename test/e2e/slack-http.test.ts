import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlack, slashCommandBody } from '../fakes/slack-signing.js';
import {
  ALICE,
  answerIn,
  BOB,
  buttonsOf,
  configYaml,
  contextOf,
  GONE,
  headerOf,
  INCIDENTS,
  isRunning,
  nextTrigger,
  PRIVATE_INC,
  PRIVATE_NOT_IN,
  RANDOM,
  SIGNING_SECRET,
  startHealthTargets,
  startSlackRig,
  type SlackRig,
} from './slack-harness.js';

describe('Slack over HTTP (POST /slack/events) against the fake Slack', () => {
  let rig: SlackRig;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;

  beforeAll(async () => {
    targets = await startHealthTargets();
    rig = await startSlackRig(configYaml(targets.url), 'http');
  });
  afterAll(async () => {
    await rig?.close();
    await targets?.close();
  });

  const postsTo = (channel: string) => rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel);

  it('/health: acknowledged with an empty 200, then a Block Kit card is posted in the channel', async () => {
    const before = [...rig.fake.messages.values()].filter((m) => m.channel === INCIDENTS.id).length;
    const { res } = await rig.slash('/health', 'api');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const blocks = (await answerIn(rig.fake, INCIDENTS.id, { index: before })).blocks;
    expect(headerOf(blocks)).toMatch(/^✅ Health — 1 of 1 check OK/);
    expect(JSON.stringify(blocks)).toContain('*api*');
    expect(contextOf(blocks)).toBe('<@UALICE> ran `/health api`');
    expect(buttonsOf(blocks).map((b) => [b.action_id, b.text.text])).toEqual([['run:/health api', 'Re-check']]);
    // identity: the Slack id and display name reach the timeline
    await rig.slack.idle();
    const events = await rig.running.app.ports.timeline.list({ limit: 50 });
    const ev = events.find((e) => e.text === '/health api');
    expect(ev?.actor).toEqual({ platform: 'slack', id: ALICE.id, name: 'Alice A' });
    expect(ev?.channel).toEqual({ platform: 'slack', id: INCIDENTS.id, name: 'incidents' });
  });

  it('a slow command posts "running…" and then updates that same message with the result', async () => {
    const channel = { id: 'CINCSLOW', name: 'inc-slow' };
    const { res } = await rig.slash('/health', 'worker', { channel });
    // Acknowledged while the 1.5 s check is still running: nothing about the result exists yet.
    expect(res.status).toBe(200);
    expect(rig.fake.calls.filter((c) => c.args.channel === channel.id && c.method === 'chat.update')).toEqual([]);
    const running = await rig.fake.waitFor(() => postsTo(channel.id)[0]);
    expect(headerOf(running.args.blocks as unknown[])).toBe('⏳ Running /health worker…');
    const ts = (rig.fake.calls.find((c) => c === running) && [...rig.fake.messages.values()].find((m) => m.channel === channel.id))!.ts;
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).find((c) => c.args.channel === channel.id && c.args.ts === ts));
    expect(headerOf(update.args.blocks as unknown[])).toMatch(/^✅ Health — 1 of 1 check OK/);
    expect(postsTo(channel.id)).toHaveLength(1);
  });

  it('a button click runs as the clicking user and updates the same message in place', async () => {
    const channel = { id: 'CINCBTN', name: 'inc-button' };
    await rig.slash('/health', 'api', { channel });
    const msg = await answerIn(rig.fake, channel.id);
    // The click's update, not the one that may have turned "Running…" into the card.
    await rig.slack.idle();
    const updatesBefore = rig.fake.callsOf('chat.update', true).length;
    const recheck = buttonsOf(msg.blocks)[0]!;
    const res = await rig.click(recheck.action_id, { channel: channel.id, ts: msg.ts }, { user: BOB, channelName: channel.name, label: 'Re-check' });
    expect(res.status).toBe(200);
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).slice(updatesBefore).find((c) => c.args.channel === channel.id && c.args.ts === msg.ts && !isRunning(c.args.blocks as unknown[])));
    expect(headerOf(update.args.blocks as unknown[])).toMatch(/^✅ Health — 1 of 1/);
    expect(contextOf(update.args.blocks as unknown[])).toBe('<@UBOB> pressed Re-check');
    expect(postsTo(channel.id)).toHaveLength(1);
    await rig.slack.idle();
    const events = await rig.running.app.ports.timeline.list({ limit: 100 });
    expect(events.some((e) => e.actor.id === BOB.id && e.actor.platform === 'slack' && e.channel?.id === channel.id)).toBe(true);
  });

  it('a delivery sent three times (Slack retries) runs once and records one timeline event', async () => {
    const channel = { id: 'CINCRETRY', name: 'inc-retry' };
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/health', text: 'api', user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: rig.fake.responseUrl(trigger) });
    for (const retry of [undefined, '1', '2']) {
      const res = await rig.post(body, { headers: retry ? { 'x-slack-retry-num': retry, 'x-slack-retry-reason': 'http_timeout' } : {} });
      expect(res.status).toBe(200);
    }
    await rig.fake.waitFor(() => postsTo(channel.id)[0]);
    await rig.slack.idle();
    expect(postsTo(channel.id)).toHaveLength(1);
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.map((e) => e.kind)).toEqual(['command']);
  });

  it('a double click on Re-check runs once', async () => {
    const channel = { id: 'CINCDOUBLE', name: 'inc-double' };
    await rig.slash('/health', 'api', { channel });
    const msg = await answerIn(rig.fake, channel.id);
    await rig.slack.idle();
    const updatesBefore = rig.fake.callsOf('chat.update', true).length;
    const before = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id).length;
    await Promise.all([1, 2].map(() => rig.click('run:/health api', { channel: channel.id, ts: msg.ts }, { channelName: channel.name })));
    await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).slice(updatesBefore).find((c) => c.args.ts === msg.ts));
    await rig.slack.idle();
    const after = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id).length;
    expect(after - before).toBe(1);
  });

  it('outside the allowed channels: an ephemeral explanation, nothing posted, the denial recorded', async () => {
    const { res, trigger } = await rig.slash('/health', '', { channel: RANDOM });
    expect(res.status).toBe(200);
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(headerOf(answer.body.blocks as unknown[])).toBe('❌ /health is not allowed in #random');
    expect(JSON.stringify(answer.body.blocks)).toContain('Nothing was run');
    await rig.slack.idle();
    expect(postsTo(RANDOM.id)).toHaveLength(0);
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === RANDOM.id);
    expect(events.map((e) => [e.kind, e.outcome])).toEqual([['command.denied', 'denied']]);
  });

  it('a private incident channel (Slack sends channel_name "privategroup") runs: its name is looked up once', async () => {
    const before = rig.fake.callsOf('conversations.info').length;
    const { trigger } = await rig.slash('/health', 'api', { channel: { id: PRIVATE_INC.id, name: 'privategroup' } });
    const post = await answerIn(rig.fake, PRIVATE_INC.id);
    expect(headerOf(post.blocks)).toMatch(/^✅ Health — 1 of 1 check OK/);
    expect(rig.fake.responsePosts.filter((p) => p.id === trigger)).toEqual([]);
    await rig.slack.idle();
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === PRIVATE_INC.id);
    expect(events.map((e) => [e.kind, e.outcome, e.channel?.name])).toEqual([['command', 'ok', PRIVATE_INC.name]]);

    // A click that carries no channel name (Slack may leave it out) runs too; the name comes from the cache.
    const msg = post;
    const updatesBefore = rig.fake.callsOf('chat.update', true).length;
    await rig.click('run:/health api', { channel: PRIVATE_INC.id, ts: msg.ts }, { user: BOB, channelName: null, label: 'Re-check' });
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).slice(updatesBefore).find((c) => c.args.channel === PRIVATE_INC.id && !isRunning(c.args.blocks as unknown[])));
    expect(headerOf(update.args.blocks as unknown[])).toMatch(/^✅ Health — 1 of 1 check OK/);
    expect(rig.fake.callsOf('conversations.info').slice(before).map((c) => c.args.channel)).toEqual([PRIVATE_INC.id]);
  });

  it('a private channel whose name Slack will not tell (Firebreak is not in it) is refused with an explanation, nothing runs', async () => {
    const { trigger } = await rig.slash('/health', 'api', { channel: { id: PRIVATE_NOT_IN.id, name: 'privategroup' } });
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(answer.body.blocks)).toContain('In a private channel, invite it first (/invite @firebreak). Nothing was run.');
    expect(rig.fake.callsOf('conversations.info').filter((c) => c.args.channel === PRIVATE_NOT_IN.id).map((c) => c.error)).toEqual(['channel_not_found']);
  });

  it('reads the text as typed (Slack escapes &, < and >) and shows it back safely', async () => {
    const { trigger } = await rig.slash('/health', 'x&amp;&lt;y&gt;');
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
    expect(answer.body.response_type).toBe('ephemeral');
    const json = JSON.stringify(answer.body.blocks);
    expect(json).toContain('called \\"x&amp;&lt;y&gt;\\"');
    expect(contextOf(answer.body.blocks as unknown[])).toBe('<@UALICE> ran `/health x&amp;&lt;y&gt;`');
  });

  it('a channel the bot is not in: the user gets the result only to them, with how to fix it', async () => {
    const { trigger } = await rig.slash('/health', 'api', { channel: PRIVATE_NOT_IN });
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(headerOf(answer.body.blocks as unknown[])).toMatch(/Health — 1 of 1/);
    expect(contextOf(answer.body.blocks as unknown[])).toContain('Firebreak is not a member of channel #inc-private: /invite @firebreak there, then try again.');
    expect(rig.fake.callsOf('chat.postMessage').filter((c) => c.args.channel === PRIVATE_NOT_IN.id).map((c) => c.error)).toEqual(['not_in_channel']);
  });

  it('a channel Slack does not know (channel_not_found): the user gets the result only to them, with one clear sentence', async () => {
    const { res, trigger } = await rig.slash('/health', 'api', { channel: GONE });
    expect(res.status).toBe(200);
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
    expect(answer.body.response_type).toBe('ephemeral');
    expect(headerOf(answer.body.blocks as unknown[])).toMatch(/Health — 1 of 1/);
    expect(contextOf(answer.body.blocks as unknown[])).toMatch(
      /^Slack says channel #inc-gone does not exist or Firebreak cannot see it: if it is private, \/invite @firebreak there\. · <@UALICE> ran `\/health api`$/,
    );
    expect(buttonsOf(answer.body.blocks as unknown[])).toEqual([]);
    expect(rig.fake.callsOf('chat.postMessage').filter((c) => c.args.channel === GONE.id).map((c) => c.error)).toEqual(['channel_not_found']);
  });

  it('waits out a 429 for as long as Retry-After says and still delivers the card', async () => {
    const channel = { id: 'CINCLIMIT', name: 'inc-limit' };
    // 3 s is well above the pacer's own 1.1 s gap: a retry sooner than that means Retry-After was not read.
    rig.fake.rateLimitNext('chat.postMessage', 3);
    await rig.slash('/health', 'api', { channel });
    const post = await answerIn(rig.fake, channel.id);
    expect(headerOf(post.blocks)).toMatch(/Health — 1 of 1/);
    const attempts = rig.fake.callsOf('chat.postMessage').filter((c) => c.status === 429 || c.args.channel === channel.id);
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(2950);
  });

  it('two commands at once in one channel are paced: no 429 from Slack, both cards arrive', async () => {
    const channel = { id: 'CINCPACE', name: 'inc-pace' };
    await Promise.all([rig.slash('/health', 'api', { channel }), rig.slash('/help', '', { channel }), rig.slash('/health', 'api', { channel })]);
    await rig.fake.waitFor(() => postsTo(channel.id).length === 2, 15_000);
    await rig.slack.idle();
    const toChannel = rig.fake.calls.filter((c) => c.args.channel === channel.id);
    expect(toChannel.map((c) => c.status)).not.toContain(429);
  });

  it('a mutating command: confirmation card with a danger Confirm (with dialog), Confirm runs it once and updates the same message', async () => {
    const channel = { id: 'CINCCONFIRM', name: 'inc-confirm' };
    await rig.slash('/run', 'say-hi', { channel });
    const msg = await answerIn(rig.fake, channel.id);
    const blocks = msg.blocks;
    expect(headerOf(blocks)).toMatch(/^⏳ /);
    const [confirm, cancel] = buttonsOf(blocks);
    expect(confirm).toMatchObject({ style: 'danger', confirm: { deny: { text: 'Back' } } });
    expect(confirm!.action_id).toMatch(/^confirm:/);
    expect(cancel!.action_id).toMatch(/^cancel:/);
    // Alice and Bob press Confirm at the same moment: it runs once.
    await Promise.all([ALICE, BOB].map((user) => rig.click(confirm!.action_id, { channel: channel.id, ts: msg.ts }, { user, channelName: channel.name, label: 'Confirm' })));
    await rig.fake.waitFor(() => /hi from the action/.test(JSON.stringify(rig.fake.messages.get(`${channel.id}:${msg.ts}`)?.blocks)));
    await rig.slack.idle();
    const final = rig.fake.messages.get(`${channel.id}:${msg.ts}`)!;
    expect(headerOf(final.blocks)).toMatch(/^✅ /);
    expect(contextOf(final.blocks)).toMatch(/Requested by Alice A · confirmed by (Alice A|Bob B)/);
    expect(buttonsOf(final.blocks)).toEqual([]);
    expect(postsTo(channel.id)).toHaveLength(1);
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.filter((e) => e.kind === 'action.finished')).toHaveLength(1);
    // the other click got a private "already running" / "already confirmed", not a second run
    const late = rig.fake.responsePosts.filter((p) => /Already (running|confirmed)/.test(headerOf(p.body.blocks as unknown[])));
    expect(late.map((p) => p.body.response_type)).toEqual(['ephemeral']);
  });

  it('Cancel on a confirmation card: nothing runs, the card says who cancelled', async () => {
    const channel = { id: 'CINCCANCEL', name: 'inc-cancel' };
    await rig.slash('/run', 'say-hi', { channel });
    const msg = await answerIn(rig.fake, channel.id);
    await rig.slack.idle();
    const updatesBefore = rig.fake.callsOf('chat.update', true).length;
    const cancel = buttonsOf(msg.blocks)[1]!;
    await rig.click(cancel.action_id, { channel: channel.id, ts: msg.ts }, { user: BOB, channelName: channel.name, label: 'Cancel' });
    const update = await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).slice(updatesBefore).find((c) => c.args.ts === msg.ts && !isRunning(c.args.blocks as unknown[])));
    expect(headerOf(update.args.blocks as unknown[])).toMatch(/^ℹ️ Cancelled: /);
    expect(JSON.stringify(update.args.blocks)).toContain('Cancelled by Bob B. Nothing was run.');
    const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.some((e) => e.kind === 'action.started')).toBe(false);
  });

  it('ChatPlatformPort: post by channel name, update, create an incident channel with a topic, invite, pin', async () => {
    const port = rig.slack.chat;
    const ref = await port.postMessage({ name: '#incidents' }, { title: 'Alert: api 5xx', status: 'warning' });
    expect(ref).toMatchObject({ platform: 'slack', channelId: INCIDENTS.id });
    await port.updateMessage(ref, { title: 'Resolved: api 5xx', status: 'ok' });
    expect(headerOf(rig.fake.messages.get(`${INCIDENTS.id}:${ref.messageId}`)?.blocks)).toBe('✅ Resolved: api 5xx');
    const ch = await port.createChannel('inc-20261125-checkout-5xx', { topic: 'sev2 · checkout 5xx' });
    expect(ch).toMatchObject({ platform: 'slack', name: 'inc-20261125-checkout-5xx' });
    await port.inviteToChannel(ch.id, [ALICE.id, BOB.id]);
    const summary = await port.postMessage({ id: ch.id }, { title: 'Incident: checkout 5xx', status: 'error' });
    await port.pinMessage(summary);
    const byMethod = (m: string) => rig.fake.callsOf(m, true).filter((c) => c.args.channel === ch.id || c.args.name === ch.name);
    expect(byMethod('conversations.create')[0]?.args).toMatchObject({ name: 'inc-20261125-checkout-5xx' });
    expect(byMethod('conversations.setTopic')[0]?.args).toMatchObject({ topic: 'sev2 · checkout 5xx' });
    expect(byMethod('conversations.invite')[0]?.args).toMatchObject({ users: `${ALICE.id},${BOB.id}` });
    expect(byMethod('pins.add')[0]?.args).toMatchObject({ timestamp: summary.messageId });
    await expect(port.postMessage({ name: 'no-such-channel' }, { title: 'x', status: 'info' })).rejects.toThrow(/no Slack channel #no-such-channel/);
  });

  describe('request verification: nothing runs, nothing is stored', () => {
    const body = () => {
      const trigger = nextTrigger();
      return slashCommandBody({ command: '/health', text: '', user_id: ALICE.id, user_name: ALICE.name, channel_id: 'CINCVERIFY', channel_name: 'inc-verify', trigger_id: trigger, response_url: rig.fake.responseUrl(trigger) });
    };
    const now = () => Math.floor(Date.now() / 1000);
    const cases: [string, () => Promise<Response>, number][] = [
      ['a bad signature', () => { const b = body(); return rig.post(b, { sign: false, headers: signSlack('wrong-secret', b) }); }, 401],
      ['a signature over a different body', () => { const b = body(); return rig.post(`${b}&x=1`, { sign: false, headers: signSlack(SIGNING_SECRET, b) }); }, 401],
      ['no signature headers', () => rig.post(body(), { sign: false }), 401],
      ['only the timestamp header', () => rig.post(body(), { sign: false, headers: { 'x-slack-request-timestamp': String(now()) } }), 401],
      ['a timestamp 6 minutes old', () => { const b = body(); return rig.post(b, { sign: false, headers: signSlack(SIGNING_SECRET, b, now() - 360) }); }, 401],
      ['a timestamp 6 minutes in the future', () => { const b = body(); return rig.post(b, { sign: false, headers: signSlack(SIGNING_SECRET, b, now() + 360) }); }, 401],
      ['a correctly signed body of the wrong content type', () => rig.post(body(), { contentType: 'text/plain' }), 400],
      ['a correctly signed interaction with broken JSON', () => rig.post('payload=%7Bnot-json', {}), 400],
    ];
    it.each(cases)('%s → rejected', async (_name, send, status) => {
      const res = await send();
      expect(res.status).toBe(status);
    });
    it('after all of them: no message, no response_url post, no timeline event', async () => {
      await rig.slack.idle();
      expect(rig.fake.calls.filter((c) => c.args.channel === 'CINCVERIFY')).toEqual([]);
      const events = (await rig.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === 'CINCVERIFY');
      expect(events).toEqual([]);
    });
  });
});

describe('Slack with a revoked bot token', () => {
  it('logs it and tells the waiting user in one clear sentence', { timeout: 120_000 }, async () => {
    const targets = await startHealthTargets();
    const rig = await startSlackRig(configYaml(targets.url), 'http', { botToken: 'xoxb-revoked' });
    try {
      const { res, trigger } = await rig.slash('/health', 'api');
      expect(res.status).toBe(200);
      const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger));
      expect(answer.body.response_type).toBe('ephemeral');
      expect(contextOf(answer.body.blocks as unknown[])).toContain("Slack rejected Firebreak's bot token (invalid_auth): an admin must set a valid SLACK_BOT_TOKEN");
      expect(rig.fake.callsOf('auth.test').map((c) => c.error)).toEqual(['invalid_auth']);
    } finally {
      await rig.close();
      await targets.close();
    }
  });
});
