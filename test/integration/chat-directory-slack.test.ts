import { Redactor } from '../../src/core/redact.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelNameError } from '../../src/core/channel-slug.js';
import { SlackApi } from '../../src/chat/slack/api.js';
import { SlackChatPort } from '../../src/chat/slack/chat-port.js';
import { ChatPlatformDirectory } from '../../src/core/chat-directory.js';
import type { ChatPlatformPort } from '../../src/core/chat-port.js';
import type { Logger } from '../../src/core/ports.js';
import { startSlackFake, type SlackFake } from '../fakes/slack-api.js';

/**
 * The chat directory's Slack port against the fake Slack Web API: what Slack ends up holding
 * (channels, names, topics, members, pins, thread replies, ephemerals, DMs) after each operation.
 */
const BOT_TOKEN = 'xoxb-chat-directory-test';
const ALICE = { id: 'UALICE', name: 'alice' };
const BOB = { id: 'UBOB', name: 'bob' };
const INCIDENTS = { id: 'CINCIDENTS', name: 'incidents' };
const TAKEN = { id: 'CTAKEN', name: 'inc-20261125-checkout-5xx' };
/** The 80-character name a long title becomes, already in use. */
const LONG_TITLE = `inc-20261125-Zahlungsausfall: Café ☕ über alle Regionen 🔥🔥 ${'und noch mehr Text '.repeat(5)}`;
const LONG_TAKEN = { id: 'CLONGTAKEN', name: 'inc-20261125-zahlungsausfall-cafe-uber-alle-regionen-und-noch-mehr-text-und-noch' };
/** Every candidate of this name is taken: base, -2 … -20. */
const FULL = ['inc-busy', ...Array.from({ length: 19 }, (_, i) => `inc-busy-${i + 2}`)].map((name, i) => ({ id: `CBUSY${i}`, name }));

let fake: SlackFake;
let slack: ChatPlatformPort;
const errors: string[] = [];
const logger: Logger = { debug() {}, info() {}, warn() {}, error: (_o, msg) => void errors.push(msg ?? '') };

beforeAll(async () => {
  fake = await startSlackFake({ botToken: BOT_TOKEN, users: [ALICE, BOB], channels: [INCIDENTS, TAKEN, LONG_TAKEN, ...FULL], perChannelMs: 50 });
  const directory = new ChatPlatformDirectory();
  directory.register(new SlackChatPort(new SlackApi({ token: BOT_TOKEN, apiUrl: fake.apiUrl, logger, paceIntervalMs: 60 }), new Redactor([])));
  slack = directory.get('slack')!;
});
afterAll(() => fake?.close());

const createCalls = () => fake.callsOf('conversations.create');

describe('Slack chat port: channels', () => {
  it('creates a channel under the next free name when Slack says name_taken, without logging the retry as an error', async () => {
    errors.length = 0;
    const ch = await slack.createChannel('inc-20261125 Checkout 5xx', { topic: 'sev2 · checkout 5xx' });
    expect(ch).toMatchObject({ platform: 'slack', name: 'inc-20261125-checkout-5xx-2' });
    expect(fake.channel(ch.id)).toMatchObject({ name: 'inc-20261125-checkout-5xx-2', private: false, topic: 'sev2 · checkout 5xx' });
    expect(createCalls().slice(-2).map((c) => [c.args.name, c.error])).toEqual([
      ['inc-20261125-checkout-5xx', 'name_taken'],
      ['inc-20261125-checkout-5xx-2', undefined],
    ]);
    const again = await slack.createChannel('inc-20261125-checkout-5xx');
    expect(again.name).toBe('inc-20261125-checkout-5xx-3');
    expect(errors).toEqual([]);
  });

  it('makes a long title with accents and emoji into a valid name of at most 80 characters, numbered within 80 when taken', async () => {
    const ch = await slack.createChannel(LONG_TITLE);
    expect(ch.name).toBe('inc-20261125-zahlungsausfall-cafe-uber-alle-regionen-und-noch-mehr-text-und-no-2');
    expect(ch.name.length).toBeLessThanOrEqual(80);
    expect(fake.channel(ch.id)?.name).toBe(ch.name);
  });

  it('never sends Slack a name it would reject: the name function fixes it first', async () => {
    // The fake applies Slack's rules: the title as typed is refused…
    const raw = await fetch(`${fake.apiUrl}conversations.create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Checkout 5xx / EU' }),
    }).then((r) => r.json());
    expect(raw).toEqual({ ok: false, error: 'invalid_name_specials' });
    // …and through the port it becomes a name Slack takes.
    const before = createCalls().length;
    const ch = await slack.createChannel('Checkout 5xx / EU');
    expect(ch.name).toBe('checkout-5xx-eu');
    expect(createCalls().slice(before).map((c) => c.error)).toEqual([undefined]);
  });

  it('says which name Slack refused when it still rejects one', async () => {
    fake.failNext('conversations.create', 'invalid_name_specials');
    const channelsBefore = fake.callsOf('conversations.create', true).length;
    await expect(slack.createChannel('inc-20261126-api')).rejects.toThrow(
      'Slack refused the channel name #inc-20261126-api (invalid_name_specials): a name may only have lowercase letters, digits, - and _, at most 80 characters.',
    );
    expect(fake.callsOf('conversations.create', true).length).toBe(channelsBefore);
  });

  it('gives up after -20 with one clear sentence', async () => {
    await expect(slack.createChannel('inc-busy')).rejects.toThrow('Slack channels #inc-busy through #inc-busy-20 are all taken (archived channels keep their names): choose another name.');
  });

  it('refuses a name with nothing usable in it before calling Slack', async () => {
    const before = createCalls().length;
    await expect(slack.createChannel('🔥🔥🔥')).rejects.toBeInstanceOf(ChannelNameError);
    expect(createCalls().length).toBe(before);
  });

  it('creates a private channel', async () => {
    const ch = await slack.createChannel('inc-20261125-secret', { private: true });
    expect(fake.channel(ch.id)).toMatchObject({ name: 'inc-20261125-secret', private: true });
    expect(String(createCalls().at(-1)?.args.is_private)).toBe('true');
  });

  it('waits out a rate limit on a channel operation', async () => {
    fake.rateLimitNext('conversations.create', 1);
    const ch = await slack.createChannel('inc-20261125-ratelimited');
    expect(fake.channel(ch.id)?.name).toBe('inc-20261125-ratelimited');
    expect(createCalls().filter((c) => c.args.name === 'inc-20261125-ratelimited').map((c) => c.status)).toEqual([429, 200]);
  });

  it('invites everyone who is not in the channel yet, even when one already is', async () => {
    const ch = await slack.createChannel('inc-20261125-invites');
    await slack.inviteToChannel(ch.id, [ALICE.id]);
    await slack.inviteToChannel(ch.id, [ALICE.id, BOB.id]);
    expect([...fake.channel(ch.id)!.members!].sort()).toEqual([BOB.id, ALICE.id, 'UBOT'].sort());
    await slack.inviteToChannel(ch.id, [BOB.id]);
  });

  it('a topic is escaped like a message: no markup, mentions or bidi overrides from a title reach it, and cutting never splits an entity', async () => {
    const ch = await slack.createChannel('inc-20261125-hostile-topic', { topic: 'SEV2 · lead @bob · <script>x</script> <!subteam^S0ALL> *bold* \u202Egnp.exe' });
    expect(fake.channel(ch.id)!.topic).toBe('SEV2 · lead @bob · &lt;script&gt;x&lt;/script&gt; &lt;!subteam^S0ALL&gt; \u200b*\u200bbold\u200b*\u200b gnp.exe');
    await slack.setTopic(ch.id, `sev1 · ${'<&>'.repeat(100)}`);
    const topic = fake.channel(ch.id)!.topic;
    expect(topic.length).toBeLessThanOrEqual(250);
    expect(topic).toMatch(/^sev1 · (&lt;&amp;&gt;)+(&lt;|&lt;&amp;)?…$/);
  });

  it('sets a topic, cut to Slack’s 250 characters', async () => {
    const ch = await slack.createChannel('inc-20261125-topic');
    await slack.setTopic(ch.id, `sev1 · ${'checkout is down '.repeat(30)}`);
    const topic = fake.channel(ch.id)!.topic;
    expect(topic).toHaveLength(250);
    expect(topic.startsWith('sev1 · checkout is down')).toBe(true);
    expect(topic.endsWith('…')).toBe(true);
  });

  it('pins a message, and pinning it again is fine', async () => {
    const ch = await slack.createChannel('inc-20261125-pins');
    const summary = await slack.postMessage({ id: ch.id }, { title: 'Incident: checkout 5xx', status: 'error' });
    await slack.pinMessage(summary);
    await slack.pinMessage(summary);
    expect([...fake.channel(ch.id)!.pins]).toEqual([summary.messageId]);
  });

  it('archives a channel: nothing can be posted there, it is not found by name, and its name stays taken', async () => {
    const ch = await slack.createChannel('inc-20261125-archive-me');
    await slack.postMessage({ name: 'inc-20261125-archive-me' }, { title: 'before', status: 'info' });
    await slack.archiveChannel(ch.id);
    await slack.archiveChannel(ch.id);
    expect(fake.channel(ch.id)?.archived).toBe(true);
    await expect(slack.postMessage({ id: ch.id }, { title: 'after', status: 'info' })).rejects.toThrow(/is archived; Firebreak cannot post there/);
    await expect(slack.postMessage({ name: 'inc-20261125-archive-me' }, { title: 'after', status: 'info' })).rejects.toThrow(/no Slack channel #inc-20261125-archive-me/);
    expect((await slack.createChannel('inc-20261125-archive-me')).name).toBe('inc-20261125-archive-me-2');
  });
});

describe('Slack chat port: messages', () => {
  it('replies in the thread of the parent message', async () => {
    const parent = await slack.postMessage({ name: 'incidents' }, { title: 'Alert: api 5xx', status: 'warning' });
    const reply = await slack.replyInThread(parent, { title: 'Escalated to on-call', status: 'info' });
    expect(reply).toMatchObject({ platform: 'slack', channelId: INCIDENTS.id });
    expect(reply.messageId).not.toBe(parent.messageId);
    const stored = fake.messages.get(`${INCIDENTS.id}:${reply.messageId}`);
    expect(stored?.thread_ts).toBe(parent.messageId);
    expect(stored?.text).toContain('Escalated to on-call');
    expect(fake.messages.get(`${INCIDENTS.id}:${parent.messageId}`)?.thread_ts).toBeUndefined();
  });

  it('sends a private message as an ephemeral in the channel', async () => {
    await slack.sendPrivate(ALICE.id, { title: 'Only for you', status: 'info' }, { channelId: INCIDENTS.id });
    expect(fake.ephemerals.at(-1)).toMatchObject({ channel: INCIDENTS.id, user: ALICE.id });
    expect(fake.ephemerals.at(-1)?.text).toContain('Only for you');
    expect(fake.dmChannelOf(ALICE.id)).toBeUndefined();
  });

  it('sends a private message as a DM without a channel, or when the user is not in the channel', async () => {
    await slack.sendPrivate(BOB.id, { title: 'Your on-call shift starts', status: 'info' });
    const dm = fake.dmChannelOf(BOB.id)!;
    expect(dm).toMatch(/^D/);
    const inDm = () => [...fake.messages.values()].filter((m) => m.channel === dm).map((m) => m.text);
    expect(inDm()).toEqual([expect.stringContaining('Your on-call shift starts')]);

    const ch = await slack.createChannel('inc-20261125-not-a-member');
    await slack.sendPrivate(BOB.id, { title: 'You were not in that channel', status: 'info' }, { channelId: ch.id });
    expect(fake.callsOf('chat.postEphemeral').at(-1)).toMatchObject({ error: 'user_not_in_channel' });
    expect(inDm()).toEqual([expect.stringContaining('Your on-call shift starts'), expect.stringContaining('You were not in that channel')]);
    expect(fake.callsOf('conversations.open')).toHaveLength(1);
  });
});
