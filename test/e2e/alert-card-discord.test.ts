import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startFakeDiscordApi, type DiscordCall, type FakeDiscordApi, type StoredMessage } from '../fakes/discord-api.js';
import { buttonInteraction, discordSigner, type DiscordSigner } from '../fakes/discord-signing.js';
import { configFrom, testRuntime } from '../support/app.js';

const APP_ID = '1200000000000000001';
const BOT_TOKEN = 'bot-token-for-the-fake-alerts';
const alice = { id: '111111111111111111', username: 'alice' };
const bob = { id: '222222222222222222', username: 'bob' };
const incidents = { id: '500000000000000001', name: 'incidents' };

interface Embed {
  title?: string;
  description?: string;
  fields?: { name: string; value: string }[];
}
interface Body {
  content?: string;
  flags?: number;
  embeds?: Embed[];
  components?: { components: { custom_id: string; label: string; style: number }[] }[];
  message_reference?: { message_id: string };
}
interface Callback {
  type: number;
  data?: Body;
}

const bodyOf = (m: { body: unknown } | undefined) => (m?.body ?? {}) as Body;
const titleOf = (b: Body) => b.embeds?.[0]?.title ?? '';
const buttonsOf = (b: Body) => b.components?.flatMap((r) => r.components) ?? [];
const fieldOf = (b: Body, name: string) => b.embeds?.[0]?.fields?.find((f) => f.name === name)?.value;

/**
 * An alert end to end on Discord, through firebreak start: Alertmanager's webhook (payload v4) is
 * stored, the outbox worker posts its card in #incidents as an embed with buttons, Bob presses
 * Acknowledge on it (a signed component interaction), and the card says so for everyone while Bob
 * alone is told; Alice's later press is told Bob was first. A runbook button asks in a reply to
 * the card (Discord's thread) and the card stays as it was.
 */
describe('an alert card on Discord', () => {
  let running: Running;
  let fake: FakeDiscordApi;
  let signer: DiscordSigner;
  let dataDir: string;
  let endpoint: string;

  beforeAll(async () => {
    signer = discordSigner();
    fake = await startFakeDiscordApi({ botToken: BOT_TOKEN, channels: [incidents] });
    dataDir = mkdtempSync(join(tmpdir(), 'fb-discord-alerts-'));
    const yaml = `
chat:
  incidents_channel: incidents
  workspaces: { discord: ["900000000000000001"] }
roles:
  responders: ["discord:${alice.id}", "discord:${bob.id}"]
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
`;
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: APP_ID, publicKey: signer.publicKeyHex, botToken: BOT_TOKEN, apiUrl: fake.apiUrl } }),
      configFrom(yaml),
      { host: '127.0.0.1' },
    );
    endpoint = `http://127.0.0.1:${running.http.port}/discord/interactions`;
  }, 60_000);

  afterAll(async () => {
    await running?.close();
    await fake?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const webhook = async (groupKey: string, labels: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${running.http.port}/webhooks/alertmanager`, {
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

  /** Presses a button on a message as Discord sends it: the clicked message whole, as the bot last rendered it. */
  async function press(customId: string, message: StoredMessage, user: typeof alice): Promise<{ interaction: { token: string }; answer: Callback }> {
    const shown = bodyOf(message);
    const click = buttonInteraction(APP_ID, customId, { user, channel: incidents, messageId: message.id });
    const interaction = { ...click, message: { ...click.message, content: shown.content ?? '', embeds: shown.embeds ?? [], components: shown.components ?? [] } };
    fake.trackInteraction({ token: interaction.token, channel_id: incidents.id, message: { id: message.id } });
    const body = JSON.stringify(interaction);
    const res = await fetch(endpoint, { method: 'POST', headers: signer.headers(body), body });
    expect(res.status).toBe(200);
    return { interaction, answer: (await res.json()) as Callback };
  }

  /** Resolves once `check` finds something in the fake's state, polling it (the fake records every call). */
  async function until<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = check();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`fake Discord: ${what} within ${timeoutMs} ms; calls: ${fake.calls.map((c) => `${c.method} ${c.route} ${c.status}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const channelMessages = () => [...fake.messages.values()].filter((m) => m.channel_id === incidents.id);
  const cardOf = (groupId: string) => () => channelMessages().find((m) => buttonsOf(bodyOf(m)).some((b) => b.custom_id === `ack:${groupId}`));
  /** The ephemeral follow-ups sent through this interaction's webhook. */
  const followUps = (token: string) => fake.calls.filter((c: DiscordCall) => c.method === 'POST' && c.route === `/webhooks/${APP_ID}/${token}` && c.status === 200).map((c) => c.body as Body);
  /** What a press showed to the presser alone: the interaction answer if ephemeral, else an ephemeral follow-up. */
  const privateNote = (token: string, answer: Callback, re: RegExp) => () =>
    [...(answer.type === 4 && answer.data ? [answer.data] : []), ...followUps(token)].find((b) => b.flags === 64 && re.test(JSON.stringify(b.embeds)));

  it('a webhook becomes a card; Acknowledge updates it for everyone, tells the presser privately, and a second press who was first', async () => {
    const g = await webhook('{}:{alertname="ProviderDown"}', { alertname: 'ProviderDown', service: 'api', severity: 'critical', provider: 'openai' });
    const card = await until(cardOf(g.id), 'no alert card in #incidents');
    const posted = bodyOf(card);
    expect(titleOf(posted)).toBe('❌ Firing: ProviderDown (api)');
    expect(JSON.stringify(posted.embeds)).toContain('Provider openai is failing');
    expect(buttonsOf(posted).map((b) => [b.custom_id, b.label])).toEqual([
      [`ack:${g.id}`, 'Acknowledge'],
      [`inc-open:${g.id}`, 'Open incident'],
      [`act:${g.id} /run disable-provider provider=openai`, expect.stringContaining('disable-provider')],
    ]);
    expect(fieldOf(posted, 'Acknowledged')).toBeUndefined();

    const first = await press(`ack:${g.id}`, card, bob);
    // For everyone: the card message itself (same id) says who acknowledged, and loses its Acknowledge button.
    const acked = await until(() => {
      const m = fake.messages.get(card.id);
      return m && /^by bob at \d\d:\d\d/.test(fieldOf(bodyOf(m), 'Acknowledged') ?? '') ? m : undefined;
    }, 'the card never said "Acknowledged by bob"');
    expect(titleOf(bodyOf(acked))).toBe('❌ Firing: ProviderDown (api)');
    expect(buttonsOf(bodyOf(acked)).map((b) => b.custom_id)).toEqual([`inc-open:${g.id}`, `act:${g.id} /run disable-provider provider=openai`]);
    // For Bob alone: an ephemeral note (never a channel message).
    await until(privateNote(first.interaction.token, first.answer, /You acknowledged ProviderDown \(api\)/), 'Bob was not told privately');
    expect(JSON.stringify(channelMessages().map((m) => m.body))).not.toContain('You acknowledged');

    const second = await press(`ack:${g.id}`, acked, alice);
    const note = await until(privateNote(second.interaction.token, second.answer, /Already acknowledged/), 'Alice was not told who was first');
    expect(note.embeds![0]!.description).toMatch(/ProviderDown \(api\) was acknowledged by bob at \d\d:\d\d UTC\./);
    expect((await running.app.ports.alerts.get(g.id))?.acknowledged?.by).toMatchObject({ platform: 'discord', id: bob.id });
    // Still one card for the group in the channel, whichever way it was updated (the click, then the outbox).
    expect(channelMessages().filter((m) => titleOf(bodyOf(m)).includes('ProviderDown (api)'))).toHaveLength(1);
    expect(fieldOf(bodyOf(fake.messages.get(card.id)), 'Acknowledged')).toMatch(/^by bob at /);
  }, 60_000);

  it('a runbook button runs through the confirmation card in a reply to the card; the card stays as it was', async () => {
    const g = await webhook('{}:{alertname="ProviderDown",provider="anthropic"}', { alertname: 'ProviderDown', severity: 'warning', provider: 'anthropic' });
    const card = await until(cardOf(g.id), 'no alert card in #incidents');
    const before = JSON.stringify(card.body);

    const clicked = await press('act:/run disable-provider provider=anthropic', card, alice);
    // The answer must not replace the card: it is deferred (6) or a new message, never an UpdateMessage of the card.
    expect(clicked.answer.type).not.toBe(7);
    const ask = await until(
      () => channelMessages().find((m) => bodyOf(m).message_reference?.message_id === card.id && /^⏳ Run disable-provider with provider=anthropic\?$/.test(titleOf(bodyOf(m)))),
      'no confirmation card in reply to the alert card',
    );
    const confirm = buttonsOf(bodyOf(ask)).find((b) => b.custom_id.startsWith('confirm:'))!;
    expect(confirm).toBeDefined();
    const confirmed = await press(confirm.custom_id, ask, bob);
    const done = await until(() => {
      if (confirmed.answer.type === 7 && /^✅ disable-provider: done/.test(titleOf(confirmed.answer.data ?? {}))) return confirmed.answer.data;
      const m = fake.messages.get(ask.id);
      return m && /^✅ disable-provider: done/.test(titleOf(bodyOf(m))) ? bodyOf(m) : undefined;
    }, 'the confirmation card never showed the result');
    expect(JSON.stringify(done.embeds)).toContain('disabled anthropic');
    expect(done.components).toEqual([]);
    expect(JSON.stringify(fake.messages.get(card.id)?.body)).toBe(before);
    // The click never edited the alert card: its @original is the card.
    expect(fake.calls.filter((c) => c.method === 'PATCH' && c.route === `/webhooks/${APP_ID}/${clicked.interaction.token}/messages/@original`)).toEqual([]);
  }, 60_000);

  it("a diagnosis on arrival is posted as a reply to the card (message_reference = the card's id) and shows the finished run", async () => {
    const g = await webhook('{}:{alertname="ApiErrors"}', { alertname: 'ApiErrors', service: 'api', severity: 'critical', provider: 'openai' });
    const card = await until(cardOf(g.id), 'no alert card in #incidents', 30_000);
    const report = await until(() => channelMessages().find((m) => titleOf(bodyOf(m)) === '✅ Procedure diagnose-api: all 1 steps done'), 'no finished diagnosis report', 60_000);
    expect(bodyOf(report).message_reference?.message_id).toBe(card.id);
    expect(JSON.stringify(bodyOf(report).embeds)).toContain('ERROR upstream timeout in api');
    expect(channelMessages().filter((m) => titleOf(bodyOf(m)).includes('Procedure diagnose-api'))).toHaveLength(1);
  }, 90_000);
});
