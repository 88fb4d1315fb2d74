import { PermissionFlagsBits } from 'discord.js';
import { Redactor } from '../../src/core/redact.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChannelNameError } from '../../src/core/channel-slug.js';
import { DiscordChat } from '../../src/chat/discord/chat-port.js';
import { createDiscordRest } from '../../src/chat/discord/api.js';
import { ChatPlatformDirectory } from '../../src/core/chat-directory.js';
import type { ChatPlatformPort } from '../../src/core/chat-port.js';
import { silentLogger } from '../support/app.js';
import { startFakeDiscordApi, type FakeDiscordApi, type PermissionOverwrite } from '../fakes/discord-api.js';

/**
 * The chat directory's Discord port against the fake Discord REST API: what Discord ends up
 * holding (channels with their names, topics and permission overwrites, replies, DMs, pins).
 */
const BOT_TOKEN = 'discord-chat-directory-test-token';
const GUILD = '900000000000000001';
const ALICE = '800000000000000001';
const BOB = '800000000000000002';
const incidents = { id: '700000000000000001', name: 'incidents' };
const taken = { id: '700000000000000002', name: 'inc-20261125-checkout-5xx' };

let fake: FakeDiscordApi;
let discord: ChatPlatformPort;
let chat: DiscordChat;

beforeAll(async () => {
  fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, guildId: GUILD, channels: [incidents, taken] });
  chat = new DiscordChat(createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }), silentLogger, new Redactor([]));
  const directory = new ChatPlatformDirectory();
  directory.register(chat);
  discord = directory.get('discord')!;
});
afterAll(() => fake?.close());

const bits = (o: PermissionOverwrite | undefined, which: 'allow' | 'deny') => BigInt(o?.[which] ?? '0');
const has = (value: bigint, flag: bigint) => (value & flag) === flag;
const overwrite = (channelId: string, id: string) => fake.channel(channelId)!.permission_overwrites.find((o) => o.id === id);
const bodyOf = (messageId: string) => fake.messages.get(messageId)?.body as Record<string, unknown> & { embeds: { title: string }[] };

describe('Discord chat port: channels', () => {
  it('numbers a name already in use (Discord would allow the duplicate)', async () => {
    const ch = await discord.createChannel('inc-20261125 Checkout 5xx', { topic: 'sev2 · checkout 5xx' });
    expect(ch).toMatchObject({ platform: 'discord', name: 'inc-20261125-checkout-5xx-2', workspace: GUILD });
    expect(fake.channel(ch.id)).toMatchObject({ name: 'inc-20261125-checkout-5xx-2', topic: 'sev2 · checkout 5xx', type: 0 });
    expect((await discord.createChannel('inc-20261125-checkout-5xx')).name).toBe('inc-20261125-checkout-5xx-3');
  });

  it('makes a long unicode title into a name of at most 100 characters', async () => {
    const ch = await discord.createChannel(`inc-20261125 Café ☕ Zahlungsausfall 🔥 ${'über alle Regionen '.repeat(8)}`);
    expect(ch.name).toMatch(/^inc-20261125-cafe-zahlungsausfall-uber-alle-regionen-[a-z0-9-]+$/);
    expect(ch.name.length).toBeLessThanOrEqual(100);
    expect(fake.channel(ch.id)?.name).toBe(ch.name);
  });

  it('refuses a name with nothing usable in it before calling Discord', async () => {
    const before = fake.calls.length;
    await expect(discord.createChannel('🔥🔥')).rejects.toBeInstanceOf(ChannelNameError);
    expect(fake.calls.length).toBe(before);
  });

  it('creates a private channel: hidden from @everyone, visible to the bot, under a category when asked', async () => {
    const ch = await chat.createChannel('inc-20261125-secret', { private: true, parentId: '700000000000000077' });
    expect(fake.channel(ch.id)?.parent_id).toBe('700000000000000077');
    expect(has(bits(overwrite(ch.id, GUILD), 'deny'), PermissionFlagsBits.ViewChannel)).toBe(true);
    const bot = overwrite(ch.id, fake.botUserId);
    expect(bot?.type).toBe(1);
    expect(has(bits(bot, 'allow'), PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages)).toBe(true);
  });

  it('says what to fix when Discord refuses for lack of permissions', async () => {
    fake.failOnce('POST', /^\/guilds\/[^/]+\/channels$/, 403, { message: 'Missing Permissions', code: 50013 });
    await expect(discord.createChannel('inc-20261125-no-perms')).rejects.toThrow(
      'Discord refused to create the channel #inc-20261125-no-perms: the bot is missing a permission (Missing Permissions): give it Manage Channels and Manage Roles, see Discord setup in docs/discord.md.',
    );
  });

  it('a topic is masked and escaped like a message, when the channel is made and when it changes', async () => {
    const chat2 = new DiscordChat(createDiscordRest({ apiUrl: fake.apiUrl, botToken: BOT_TOKEN }), silentLogger, new Redactor(['hunter2-topic-secret']));
    const ch = await chat2.createChannel('inc-20261125-hostile-topic', { topic: 'SEV2 · **bold** <@&222> ||hunter2-topic-secret|| \u202Egnp.exe' });
    expect(fake.channel(ch.id)!.topic).toBe('SEV2 · \\*\\*bold\\*\\* \\<@&222> \\|\\|\\*\\*\\*\\|\\| gnp.exe');
    await chat2.setTopic(ch.id, '# heading · ~~struck~~ · https://grafana.example/d/a_b');
    expect(fake.channel(ch.id)!.topic).toBe('\\# heading · \\~\\~struck\\~\\~ · https://grafana.example/d/a_b');
  });

  it('sets a topic, cut to Discord’s 1024 characters', async () => {
    const ch = await discord.createChannel('inc-20261125-topic');
    await discord.setTopic(ch.id, `sev1 · ${'checkout is down '.repeat(80)}`);
    const topic = fake.channel(ch.id)!.topic!;
    expect(topic).toHaveLength(1024);
    expect(topic.endsWith('…')).toBe(true);
  });

  it('pins a message', async () => {
    const ch = await discord.createChannel('inc-20261125-pins');
    const summary = await discord.postMessage({ id: ch.id }, { title: 'Incident: checkout 5xx', status: 'error' });
    await discord.pinMessage(summary);
    expect(fake.pinsOf(ch.id)).toEqual([summary.messageId]);
  });

  it('archives a channel: renamed archived-…, nobody but the bot may post, private stays private, and again changes nothing', async () => {
    const ch = await discord.createChannel('inc-20261125-archive-me', { private: true });
    await discord.inviteToChannel(ch.id, [ALICE, BOB]);
    expect(has(bits(overwrite(ch.id, ALICE), 'allow'), PermissionFlagsBits.SendMessages)).toBe(true);
    await discord.archiveChannel(ch.id);
    await discord.archiveChannel(ch.id);
    expect(fake.channel(ch.id)?.name).toBe('archived-inc-20261125-archive-me');
    const everyone = overwrite(ch.id, GUILD);
    expect(has(bits(everyone, 'deny'), PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads | PermissionFlagsBits.CreatePublicThreads)).toBe(true);
    expect(has(bits(everyone, 'deny'), PermissionFlagsBits.ViewChannel)).toBe(true);
    for (const user of [ALICE, BOB]) {
      expect(has(bits(overwrite(ch.id, user), 'allow'), PermissionFlagsBits.SendMessages)).toBe(false);
      expect(has(bits(overwrite(ch.id, user), 'allow'), PermissionFlagsBits.ViewChannel)).toBe(true);
    }
    expect(has(bits(overwrite(ch.id, fake.botUserId), 'allow'), PermissionFlagsBits.SendMessages)).toBe(true);
    // The name is free again: the next incident may use it.
    expect((await discord.createChannel('inc-20261125-archive-me')).name).toBe('inc-20261125-archive-me');
  });
});

describe('Discord chat port: messages', () => {
  it('replies to the parent message, pinging no one', async () => {
    const parent = await discord.postMessage({ name: 'incidents' }, { title: 'Alert: api 5xx', status: 'warning' });
    const reply = await discord.replyInThread(parent, { title: 'Escalated to on-call', status: 'info' });
    expect(reply).toMatchObject({ platform: 'discord', channelId: incidents.id });
    const body = bodyOf(reply.messageId);
    expect(body.message_reference).toMatchObject({ message_id: parent.messageId });
    expect(body.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect(body.embeds[0]!.title).toContain('Escalated to on-call');
  });

  it('still posts the reply when the parent was deleted', async () => {
    const parent = await discord.postMessage({ id: incidents.id }, { title: 'to be deleted', status: 'info' });
    fake.deleteMessage(parent.messageId);
    const reply = await discord.replyInThread(parent, { title: 'Resolved', status: 'ok' });
    expect(bodyOf(reply.messageId).embeds[0]!.title).toContain('Resolved');
  });

  it('sends a private message as a DM, and says so in one sentence when the user refuses DMs', async () => {
    await discord.sendPrivate(ALICE, { title: 'Your on-call shift starts', status: 'info' }, { channelId: incidents.id });
    const dm = fake.dmChannelOf(ALICE)!;
    const inDm = [...fake.messages.values()].filter((m) => m.channel_id === dm);
    expect(inDm.map((m) => (m.body as { embeds: { title: string }[] }).embeds[0]!.title)).toEqual([expect.stringContaining('Your on-call shift starts')]);
    expect((inDm[0]!.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ parse: [] });
    expect(fake.calls.some((c) => c.method === 'POST' && c.route === `/channels/${incidents.id}/messages` && JSON.stringify(c.body).includes('on-call shift'))).toBe(false);

    fake.refuseDms(BOB);
    await expect(discord.sendPrivate(BOB, { title: 'x', status: 'info' })).rejects.toThrow(
      `Discord refused to send a direct message to user ${BOB}: that user does not accept direct messages from server members.`,
    );
  });
});
