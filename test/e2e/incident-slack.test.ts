import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack-api.js';
import { ALICE, BOB, buttonsOf, headerOf, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

const RESULT_WAIT_MS = 20_000;

/** Polls an async probe until it returns something (what is stored lands after the acknowledgement). */
async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = RESULT_WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * An incident as a conversation on Slack, against the fake Web API: /incident declare in
 * #incidents → its channel created (topic, people invited, the card posted and pinned), the
 * announcement with Join → a confirmed /run in the channel → status → resolve; then the stored
 * timeline holds every step, in order, with the incident id.
 */
describe('Slack: an incident from declare to resolve', () => {
  let rig: SlackRig;

  beforeAll(async () => {
    rig = await startSlackRig(`
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
incidents:
  responders:
    severities: { sev2: ["slack:${BOB.id}", "discord:123456789012"] }
actions:
  say-hi:
    description: A harmless mutating action (asks for confirmation)
    argv: [node, -e, "console.log('hi from the action')"]
    timeout_s: 20
`);
  });
  afterAll(async () => rig?.close());

  const messagesIn = (channel: string): FakeMessage[] => [...rig.fake.messages.values()].filter((m) => m.channel === channel);
  const titled = (channel: string, pattern: RegExp) => messagesIn(channel).find((m) => pattern.test(headerOf(m.blocks)));

  it('declare → channel, invites, pinned card, announcement → a confirmed command in the channel → resolve, all on the timeline', async () => {
    const { trigger } = await rig.command('/incident', 'declare "Checkout 5xx" sev2', { channel: INCIDENTS });
    const created = await rig.fake.waitFor(() => rig.fake.callsOf('conversations.create', true)[0], RESULT_WAIT_MS);
    const incident = await until(async () => (await rig.running.app.ports.incidents.listOpen()).find((i) => i.channel?.own));
    const day = incident!.declaredAt.toISOString().slice(0, 10).replace(/-/g, '');
    expect(created.args.name).toBe(`inc-${day}-checkout-5xx`);
    const channelId = incident!.channel!.id;
    const channel = { id: channelId, name: `inc-${day}-checkout-5xx` };

    // Pinned card, announcement with Join, the pointer only the declarer sees.
    const card = await rig.fake.waitFor(() => titled(channelId, new RegExp(`${incident!.id}: Checkout 5xx`)), RESULT_WAIT_MS);
    await rig.fake.waitFor(() => rig.fake.channel(channelId)!.pins.has(card.ts) || undefined, RESULT_WAIT_MS);
    const announcement = await rig.fake.waitFor(() => titled(INCIDENTS.id, /Incident INC-\d+ \(SEV2\): Checkout 5xx/), RESULT_WAIT_MS);
    expect(buttonsOf(announcement.blocks).map((b) => b.action_id)).toEqual([`inc-join:${incident!.id}`, 'link:0']);
    // Open timeline is a URL button: the signed link to the incident's page.
    const open = buttonsOf(announcement.blocks).find((b) => b.action_id === 'link:0') as { text: { text: string }; url?: string };
    expect(open.text.text).toBe('Open timeline');
    expect(open.url).toMatch(new RegExp(`/incidents/${incident!.id}\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    const pointer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger && JSON.stringify(p.body).includes('declared')), RESULT_WAIT_MS);
    expect(pointer.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(pointer.body)).toContain(`#${channel.name}`);
    const inChannel = rig.fake.channel(channelId)!;
    expect(inChannel.topic).toBe('SEV2 · investigating · lead @Alice A · Checkout 5xx');
    expect([...inChannel.members!].sort()).toEqual([ALICE.id, BOB.id, 'UBOT'].sort());
    expect(buttonsOf(card.blocks).map((b) => b.text.text)).toEqual(['Update status', 'Change severity', 'Take lead', 'Resolve', 'Open timeline']);

    // A mutating command typed in the incident's channel, confirmed by Bob.
    await rig.command('/run', 'say-hi', { channel, user: ALICE });
    const confirmation = await rig.fake.waitFor(() => messagesIn(channelId).find((m) => buttonsOf(m.blocks).some((b) => b.action_id.startsWith('confirm:'))), RESULT_WAIT_MS);
    const confirm = buttonsOf(confirmation.blocks).find((b) => b.action_id.startsWith('confirm:'))!;
    await rig.press(confirm.action_id, { channel: channelId, ts: confirmation.ts }, { user: BOB, channelName: channel.name, label: 'Run' });
    await rig.fake.waitFor(() => /say-hi/.test(headerOf(rig.fake.messages.get(`${channelId}:${confirmation.ts}`)?.blocks)) && /done|✅/.test(headerOf(rig.fake.messages.get(`${channelId}:${confirmation.ts}`)?.blocks)) || undefined, RESULT_WAIT_MS);

    // Each command is answered (and recorded) before the next is typed, as in a conversation.
    const answered = (text: string) => until(async () => ((await rig.running.app.ports.timeline.list({ incidentId: incident.id })).some((e) => e.kind === 'command' && e.text === text) ? true : undefined));
    await rig.command('/incident', `lead <@${BOB.id}|bob>`, { channel, user: ALICE });
    await answered(`/incident lead <@${BOB.id}|bob>`);
    expect(rig.fake.channel(channelId)!.topic).toBe('SEV2 · investigating · lead @bob · Checkout 5xx');
    await rig.command('/incident', 'status monitoring "rolled back; error rate back to 0.1%"', { channel, user: BOB });
    await answered('/incident status monitoring "rolled back; error rate back to 0.1%"');
    expect(rig.fake.channel(channelId)!.topic).toBe('SEV2 · monitoring · lead @bob · Checkout 5xx');
    await rig.press(`inc-resolve:${incident!.id}`, { channel: channelId, ts: card.ts }, { user: BOB, channelName: channel.name, label: 'Resolve' });
    await rig.fake.waitFor(() => (rig.fake.channel(channelId)!.topic.startsWith('SEV2 · resolved') ? true : undefined), RESULT_WAIT_MS);
    await rig.slack.idle();
    // The card shows it, in place; the announcement too.
    expect(JSON.stringify(rig.fake.messages.get(`${channelId}:${card.ts}`)!.blocks)).toContain('Resolved');
    expect(headerOf(rig.fake.messages.get(`${INCIDENTS.id}:${announcement.ts}`)!.blocks)).toContain(`Resolved ${incident!.id}`);
    expect(await rig.running.app.ports.incidents.get(incident!.id)).toMatchObject({ status: 'resolved', roles: { lead: { id: BOB.id, name: 'bob' } } });

    const events = await rig.running.app.ports.timeline.list({ incidentId: incident!.id });
    expect(events.map((e) => `${e.kind} ${e.command}`)).toEqual([
      'incident.declared incident',
      'incident.channel incident',
      'command incident',
      'confirmation.requested run',
      'confirmation.confirmed run',
      'action.started run',
      'action.finished run',
      'incident.role incident',
      'command incident',
      'incident.status incident',
      'command incident',
      'incident.status incident',
      'button incident',
    ]);
    const finished = events.find((e) => e.kind === 'action.finished')!;
    expect(finished).toMatchObject({ exitCode: 0, actor: { id: BOB.id }, channel: { id: channelId } });
    expect(finished.output).toContain('hi from the action');
  });

  it('when Slack refuses to create the channel, the incident runs in #incidents and the declarer is told what to fix', async () => {
    rig.fake.failNext('conversations.create', 'missing_scope');
    const { trigger } = await rig.command('/incident', 'declare "search latency" P3', { channel: INCIDENTS });
    const told = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger && JSON.stringify(p.body).includes('missing_scope')), RESULT_WAIT_MS);
    expect(told.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(told.body)).toContain('reinstall it from manifest.yml');
    const incident = (await rig.running.app.ports.incidents.listOpen()).find((i) => i.title === 'search latency')!;
    expect(incident).toMatchObject({ severity: 'sev3', channel: { id: INCIDENTS.id, name: 'incidents', own: false } });
    await rig.fake.waitFor(() => titled(INCIDENTS.id, new RegExp(`${incident.id}: search latency`)), RESULT_WAIT_MS);
    // Commands in #incidents do not become the incident's; naming it does.
    await rig.command('/incident', `note --incident=${incident.id} "p99 at 4 s"`, { channel: INCIDENTS });
    const notes = await until(async () => {
      const found = (await rig.running.app.ports.timeline.list({ incidentId: incident.id })).filter((e) => e.kind === 'note');
      return found.length > 0 ? found : undefined;
    });
    expect(notes.map((e) => e.text)).toEqual(['p99 at 4 s']);
  });

  it('Open incident on an alert card declares one incident per alert group, however often it is pressed; the card then names it', async () => {
    const [group] = await rig.running.app.db.query<{ id: string }>(
      `INSERT INTO alert_groups (group_key, source, status, alertname, service, severity, channel, common_annotations, first_fired_at, last_change_at)
       VALUES ('{}:{alertname="HighErrorRate"}', 'alertmanager', 'firing', 'HighErrorRate', 'api', 'critical', 'incidents', '{"summary":"5xx above 5%"}', now(), now()) RETURNING id`,
    );
    const groupId = String(group!.id);
    const posted = await rig.slack.chat.postMessage({ id: INCIDENTS.id }, { title: 'HighErrorRate on api', status: 'error', buttons: [{ actionId: `inc-open:${groupId}`, label: 'Open incident' }] });
    const alertCard = rig.fake.messages.get(`${INCIDENTS.id}:${posted.messageId}`)!;
    const ref = { channel: INCIDENTS.id, ts: posted.messageId };
    await rig.press(`inc-open:${groupId}`, ref, { user: ALICE, label: 'Open incident', blocks: alertCard.blocks });
    const incident = await until(async () => (await rig.running.app.ports.incidents.listOpen()).find((i) => i.source === `alert-group:${groupId}` && i.channel?.own));
    expect(incident).toMatchObject({ title: 'HighErrorRate on api: 5xx above 5%', severity: 'sev1', service: 'api', alertGroups: [groupId], roles: { lead: { id: ALICE.id } } });
    await rig.press(`inc-open:${groupId}`, ref, { user: BOB, label: 'Open incident', blocks: alertCard.blocks });
    await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => JSON.stringify(p.body).includes(`${incident.id} is already open`)), RESULT_WAIT_MS);
    await rig.slack.idle();
    expect((await rig.running.app.ports.incidents.listOpen()).filter((i) => i.source === `alert-group:${groupId}`)).toHaveLength(1);
    expect(rig.fake.callsOf('conversations.create', true).filter((c) => String(c.args.name).includes('higherrorrate'))).toHaveLength(1);
    expect((await rig.running.app.ports.alerts.get(groupId))!.incidentId).toBe(incident.id);
    // The clicked card is the alert's card again (never "running…"), naming the incident, without the button.
    const now = rig.fake.messages.get(`${INCIDENTS.id}:${posted.messageId}`)!;
    expect(headerOf(now.blocks)).toContain('HighErrorRate');
    expect(JSON.stringify(now.blocks)).toContain(incident.id);
    expect(buttonsOf(now.blocks).map((b) => b.action_id)).not.toContain(`inc-open:${groupId}`);
  });

  it('📌 on a message in the incident channel, and the Add to timeline shortcut, put the message on the timeline once', async () => {
    await rig.command('/incident', 'declare "queue backlog" sev3', { channel: INCIDENTS });
    const incident = await until(async () => (await rig.running.app.ports.incidents.listOpen()).find((i) => i.title === 'queue backlog' && i.channel?.own));
    const channelId = incident.channel!.id;
    const said = rig.fake.addMessage(channelId, { user: BOB.id, text: 'consumer lag is 40k; scaling the workers' });
    const event = (id: string, reaction: string, channel: string, ts: string) =>
      JSON.stringify({ type: 'event_callback', team_id: 'T1', api_app_id: 'A1', event_id: id, event_time: 1, event: { type: 'reaction_added', user: ALICE.id, reaction, item: { type: 'message', channel, ts }, item_user: BOB.id, event_ts: '1.1' } });
    const send = async (body: string) => expect((await rig.post(body, { contentType: 'application/json' })).status).toBe(200);
    await send(event('Ev1', 'pushpin', channelId, said));
    await send(event('Ev1', 'pushpin', channelId, said)); // Slack's retry of the same event
    await send(event('Ev2', '+1', channelId, said));
    const elsewhere = rig.fake.addMessage(INCIDENTS.id, { user: BOB.id, text: 'lunch?' });
    await send(event('Ev3', 'pushpin', INCIDENTS.id, elsewhere));
    await rig.fake.waitFor(() => rig.fake.ephemerals.find((e) => e.user === ALICE.id && e.channel === channelId && headerOf(e.blocks).includes('Added to')), RESULT_WAIT_MS);

    const later = rig.fake.addMessage(channelId, { user: ALICE.id, text: 'root cause: the retry storm from <https://grafana.example/d/q|the queue dashboard>' });
    const trigger = `${Date.now()}.shortcut`;
    const shortcut = {
      type: 'message_action',
      callback_id: 'add_to_timeline',
      trigger_id: trigger,
      response_url: rig.fake.responseUrl(trigger),
      team: { id: 'T1' },
      user: { id: BOB.id, name: BOB.name },
      channel: { id: channelId, name: incident.channel!.name },
      message: { type: 'message', ts: later, text: 'root cause: the retry storm from <https://grafana.example/d/q|the queue dashboard>', user: ALICE.id },
    };
    expect((await rig.post(`payload=${encodeURIComponent(JSON.stringify(shortcut))}`)).status).toBe(200);
    const answer = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger), RESULT_WAIT_MS);
    expect(answer.body.response_type).toBe('ephemeral');
    expect(headerOf(answer.body.blocks as unknown[])).toBe(`✅ 📌 Added to ${incident.id}'s timeline`);

    const marked = await until(async () => {
      const m = (await rig.running.app.ports.timeline.list({ incidentId: incident.id })).filter((e) => e.kind === 'message.marked');
      return m.length >= 2 ? m : undefined;
    });
    await rig.slack.idle();
    const all = (await rig.running.app.ports.timeline.list({ incidentId: incident.id })).filter((e) => e.kind === 'message.marked');
    expect(all.map((e) => [e.actor.id, e.text, e.detail.message, e.detail.author])).toEqual([
      [ALICE.id, 'consumer lag is 40k; scaling the workers', said, 'Bob B'],
      [BOB.id, 'root cause: the retry storm from the queue dashboard (https://grafana.example/d/q)', later, 'Alice A'],
    ]);
    expect(marked).toHaveLength(2);
    // 📌 outside an incident's channel is just an emoji: nothing recorded anywhere.
    expect((await rig.running.app.ports.timeline.list({ limit: 5000 })).filter((e) => e.channel?.id === INCIDENTS.id && e.text?.includes('lunch'))).toEqual([]);
  });
});
