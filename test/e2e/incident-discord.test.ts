import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakeDiscordApi, type FakeDiscordApi, type StoredMessage } from '../fakes/discord-api.js';
import { buttonInteraction, commandInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { configFrom, testRuntime } from '../support/app.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-fake-xyz';
const GUILD = '900000000000000001';
const CATEGORY = '600000000000000001';
const alice = { id: '111111111111111111', username: 'alice' };
const bob = { id: '222222222222222222', username: 'bob' };
const oncall = '444444444444444444';
const incidents = { id: '500000000000000001', name: 'incidents' };
const WAIT_MS = 20_000;

type Embed = { title?: string; description?: string; fields?: { name: string; value: string }[] };
type Body = { embeds?: Embed[]; components?: { components: { custom_id: string; label: string }[] }[] };

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An incident as a conversation on Discord, over the interactions endpoint and the fake REST API:
 * declare → a text channel under the incident category (topic, responders let in, the card
 * posted and pinned) and the announcement with Join → Join → a confirmed /run in the channel →
 * lead by the member picker → status → resolve; the stored timeline holds every step in order.
 */
describe('Discord: an incident from declare to resolve', () => {
  let running: Running;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let dataDir: string;
  let endpoint: string;

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, guildId: GUILD, channels: [incidents] });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-inc-'));
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom(`
chat:
  incidents_channel: incidents
  discord: { incident_category: "${CATEGORY}" }
roles:
  responders: ["discord:${alice.id}", "discord:bob"]
incidents:
  responders:
    severities: { sev1: ["discord:${oncall}"] }
actions:
  say-hello:
    description: Print a greeting
    argv: [node, -e, "console.log('hello from the action')"]
    timeout_s: 20
`),
      { host: '127.0.0.1' },
    );
    endpoint = `http://127.0.0.1:${running.http.port}/discord/interactions`;
  });
  afterAll(async () => {
    await running?.close();
    await fake?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(payload: unknown): Promise<{ status: number; body: { type: number; data?: Body } }> {
    const body = JSON.stringify(payload);
    const res = await fetch(endpoint, { method: 'POST', headers: signer.headers(body), body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : {} };
  }
  const sub = (name: string, options: unknown[] = []) => [{ name, type: 1, options }];
  const str = (name: string, value: string) => ({ name, type: 3, value });
  const messagesIn = (channelId: string): StoredMessage[] => [...fake.messages.values()].filter((m) => m.channel_id === channelId);
  const titleOf = (m: StoredMessage) => ((m.body as Body).embeds?.[0]?.title ?? '');

  it('declare → channel, access, pinned card, announcement → Join → a confirmed command → lead → resolve, all on the timeline', async () => {
    const declared = await post(commandInteraction(APP_ID, 'incident', sub('declare', [str('title', 'Checkout 5xx'), str('severity', 'P1')]), { user: alice, channel: incidents }));
    expect(declared.status).toBe(200);
    const incident = await until(async () => (await running.app.ports.incidents.listOpen()).find((i) => i.channel?.own));
    expect(incident).toMatchObject({ title: 'Checkout 5xx', severity: 'sev1', roles: { lead: { id: alice.id, name: 'alice' } } });
    const day = incident.declaredAt.toISOString().slice(0, 10).replace(/-/g, '');
    const channel = fake.channel(incident.channel!.id)!;
    expect(channel).toMatchObject({ name: `inc-${day}-checkout-5xx`, parent_id: CATEGORY, topic: 'SEV1 · investigating · lead @alice · Checkout 5xx' });
    // Discord has no invites: the declarer and the sev1 responder get access to the channel.
    // Access is granted after the channel exists: wait for both overwrites rather than reading them at once.
    await until(() => (fake.channel(incident.channel!.id)!.permission_overwrites.length >= 2 ? true : undefined));
    expect(fake.channel(incident.channel!.id)!.permission_overwrites.map((o) => o.id).sort()).toEqual([alice.id, oncall].sort());
    const card = await until(() => messagesIn(channel.id).find((m) => titleOf(m).includes(`${incident.id}: Checkout 5xx`)));
    await until(() => (fake.pinsOf(channel.id).includes(card.id) ? true : undefined));
    const announcement = await until(() => messagesIn(incidents.id).find((m) => titleOf(m).includes(`Incident ${incident.id} (SEV1)`)));
    expect((announcement.body as Body).components![0]!.components.map((b) => [b.custom_id, b.label])).toEqual([[`inc-join:${incident.id}`, 'Join']]);
    // Open timeline: a link button (style 5) in a row of its own, to the signed page of the incident.
    const link = ((announcement.body as Body).components![1]!.components[0] ?? {}) as { style?: number; label?: string; url?: string };
    expect(link).toMatchObject({ style: 5, label: 'Open timeline' });
    expect(link.url).toMatch(new RegExp(`/incidents/${incident.id}\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));

    // bob joins from the announcement; only he sees the answer.
    const join = await post(buttonInteraction(APP_ID, `inc-join:${incident.id}`, { user: bob, channel: incidents, messageId: announcement.id }));
    expect(join.status).toBe(200);
    await until(() => (fake.channel(channel.id)!.permission_overwrites.some((o) => o.id === bob.id) ? true : undefined));

    // A mutating command in the incident channel; bob confirms.
    const inc = { id: channel.id, name: channel.name };
    // The card as alice sees it: the immediate answer, or (past the fast window on a loaded machine) the deferred message once edited.
    const run = commandInteraction(APP_ID, 'run', [str('action', 'say-hello')], { user: alice, channel: inc });
    const asked = await fake.answerOf<Body>(run, (await post(run)).body, { timeoutMs: WAIT_MS });
    const confirm = asked.components!.flatMap((r) => r.components).find((b) => b.custom_id.startsWith('confirm:'))!;
    await post(buttonInteraction(APP_ID, confirm.custom_id, { user: bob, channel: inc }));
    await until(async () => ((await running.app.ports.timeline.list({ incidentId: incident.id })).some((e) => e.kind === 'action.finished') ? true : undefined));

    // The lead, picked from Discord's member list: the option is bob's id, the user is in `resolved`.
    const lead = commandInteraction(APP_ID, 'incident', sub('lead', [{ name: 'person', type: 6, value: bob.id }]), { user: alice, channel: inc });
    (lead.data as Record<string, unknown>).resolved = { users: { [bob.id]: { id: bob.id, username: 'bob', global_name: 'Bob' } } };
    // Each command is answered (and recorded) before the next, as in a conversation.
    const answered = (text: string) => until(async () => ((await running.app.ports.timeline.list({ incidentId: incident.id })).some((e) => e.kind === 'command' && e.text === text) ? true : undefined));
    await post(lead);
    await answered(`/incident lead <@${bob.id}|bob>`);
    expect(fake.channel(channel.id)!.topic).toBe('SEV1 · investigating · lead @bob · Checkout 5xx');

    await post(commandInteraction(APP_ID, 'incident', sub('status', [str('status', 'monitoring'), str('text', 'rolled back; errors at 0.1%')]), { user: bob, channel: inc }));
    await answered('/incident status monitoring "rolled back; errors at 0.1%"');
    expect(fake.channel(channel.id)!.topic).toBe('SEV1 · monitoring · lead @bob · Checkout 5xx');
    // Right-click a message → Apps → Add to timeline (a message command: no gateway needed).
    const said = '1300000000000000777';
    const mark = commandInteraction(APP_ID, 'Add to timeline', [], { user: alice, channel: inc });
    mark.data = { id: '1300000000000000778', name: 'Add to timeline', type: 3, target_id: said, resolved: { messages: { [said]: { id: said, channel_id: inc.id, content: 'p99 back under 300 ms', author: { id: bob.id, username: 'bob' } } } } } as never;
    // Only alice sees it: an ephemeral answer, at once or as a follow-up after a deferral.
    const marked = await fake.answerOf<Body & { flags?: number }>(mark, (await post(mark)).body, { timeoutMs: WAIT_MS });
    expect(marked.flags).toBe(64);
    expect(marked.embeds![0]!.title).toBe(`✅ 📌 Added to ${incident.id}'s timeline`);

    const resolve = buttonInteraction(APP_ID, `inc-resolve:${incident.id}`, { user: bob, channel: inc, messageId: card.id });
    const resolved = (await post(resolve)).body;
    await until(() => (fake.channel(channel.id)!.topic?.startsWith('SEV1 · resolved') ? true : undefined));
    await until(() => (titleOf(fake.messages.get(announcement.id)!).includes(`Resolved ${incident.id}`) ? true : undefined));
    expect((fake.messages.get(card.id)!.body as Body).embeds![0]!.fields).toContainEqual(expect.objectContaining({ name: 'Status', value: 'Resolved' }));

    // The click's own event is written before bob is told: once he sees his answer (at once, or after a deferral), it is there.
    await fake.answerOf(resolve, resolved, { timeoutMs: WAIT_MS });
    const events = await running.app.ports.timeline.list({ incidentId: incident.id });
    expect(events.map((e) => `${e.kind} ${e.actor.name}`)).toEqual([
      'incident.declared alice',
      'incident.channel alice',
      'command alice',
      'button bob',
      'confirmation.requested alice',
      'confirmation.confirmed bob',
      'action.started bob',
      'action.finished bob',
      'incident.role alice',
      'command alice',
      'incident.status bob',
      'command bob',
      'message.marked alice',
      'command alice',
      'incident.status bob',
      'button bob',
    ]);
    expect(events.find((e) => e.kind === 'message.marked')).toMatchObject({ text: 'p99 back under 300 ms', detail: { message: said, author: 'bob', authorId: `discord:${bob.id}` } });
    expect(events.find((e) => e.kind === 'incident.role')!.detail).toMatchObject({ role: 'lead', from: 'alice', to: 'bob', toId: `discord:${bob.id}` });
    expect(events.find((e) => e.kind === 'action.finished')!.output).toContain('hello from the action');
  });
});
