import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelRef } from '../../src/core/identity.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';
import { ingestGroup } from '../support/alert-groups.js';

/** Acknowledge on a card and on the /alerts list, through the dispatcher as every platform calls it. */
describe('the Acknowledge button', () => {
  let app: Awaited<ReturnType<typeof testApp>>;

  beforeAll(async () => {
    app = await testApp('chat: { incidents_channel: incidents }\n');
  });
  afterAll(() => app.close());

  const press = (actionId: string, actor = alice, channel: ChannelRef = consoleChan) => app.dispatcher.dispatch({ actor, channel, input: { kind: 'action', actionId } });
  const outboxRow = async (id: string) => (await app.db.query<{ version: number }>('SELECT version FROM outbox WHERE message_key = $1', [`alert-group:${id}`]))[0];

  it('records who acknowledged, updates the clicked card for everyone, tells the clicker privately, and marks the card dirty', async () => {
    const g = await ingestGroup(app, { key: 'ack-1', alertname: 'ProviderDown', service: 'api', severity: 'critical' });
    const before = (await outboxRow(g.id))!.version;
    const r = await press(`ack:${g.id}`);
    expect(r.status).toBe('ok');
    expect(r.placement).toEqual({ kind: 'private' });
    expect(r.reply).toMatchObject({ title: 'You acknowledged ProviderDown (api)', status: 'ok' });
    expect(r.sourceUpdate?.title).toBe('Firing: ProviderDown (api)');
    expect(r.sourceUpdate?.fields).toContainEqual({ label: 'Acknowledged', value: expect.stringMatching(/^by alice at \d\d:\d\d UTC$/) });
    expect(r.sourceUpdate?.buttons?.map((b) => b.actionId) ?? []).not.toContain(`ack:${g.id}`);
    expect((await app.ports.alerts.get(g.id))?.acknowledged?.by).toMatchObject({ id: 'alice' });
    expect((await outboxRow(g.id))!.version).toBeGreaterThan(before);
    const [event] = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(event).toMatchObject({ kind: 'button', actor: { id: 'alice' }, detail: { group: g.id, first: true } });
  });

  it('a second press says who was first, and changes nothing', async () => {
    const g = await ingestGroup(app, { key: 'ack-2', alertname: 'HighLatency', service: 'litellm' });
    await press(`ack:${g.id}`, alice);
    const version = (await outboxRow(g.id))!.version;
    const r = await press(`ack:${g.id}`, bob);
    expect(r.reply.title).toBe('Already acknowledged');
    expect(r.reply.text).toMatch(/^HighLatency \(litellm\) was acknowledged by alice at \d\d:\d\d UTC\.$/);
    expect(r.placement).toEqual({ kind: 'private' });
    expect((await app.ports.alerts.get(g.id))?.acknowledged?.by.id).toBe('alice');
    expect((await outboxRow(g.id))!.version).toBe(version);
  });

  it('pressed on the /alerts list, the list is shown again, filtered as it was', async () => {
    const g = await ingestGroup(app, { key: 'ack-3', alertname: 'PoolExhausted', service: 'db-proxy' });
    await ingestGroup(app, { key: 'ack-3b', alertname: 'Other', service: 'web' });
    const r = await press(`ack:${g.id} list db-proxy`);
    expect(r.reply.title).toBe('You acknowledged PoolExhausted (db-proxy)');
    expect(r.sourceUpdate?.title).toBe('1 group firing, 1 alert for db-proxy');
    expect(r.sourceUpdate?.rows?.[0]?.cells).toContain('acknowledged by alice');
  });

  it('refuses outside allowed channels, and a group that does not exist, with one sentence each, recorded', async () => {
    const g = await ingestGroup(app, { key: 'ack-4', alertname: 'DiskFull' });
    const random: ChannelRef = { platform: 'slack', id: 'C0RANDOM', name: 'random' };
    const denied = await press(`ack:${g.id}`, { platform: 'slack', id: 'UALICE', name: 'alice' }, random);
    expect(denied.status).toBe('denied');
    expect(denied.reply.title).toBe('Acknowledge is not allowed in #random');
    expect(denied.placement).toEqual({ kind: 'private' });
    expect((await app.ports.alerts.get(g.id))?.acknowledged).toBeNull();

    const missing = await press('ack:999999');
    expect(missing).toMatchObject({ status: 'invalid', reply: { title: 'No such alert group' } });
    const garbage = await press('ack:../../etc');
    expect(garbage).toMatchObject({ status: 'invalid', reply: { title: 'Unknown alert group' } });
    const events = await app.ports.timeline.list({ invocationId: denied.invocationId });
    expect(events.map((e) => e.kind)).toEqual(['command.denied']);
  });

  it("a runbook button (act:) is its command typed by clicking, answered in the card's thread instead of replacing the card", async () => {
    const act = await press('act:/alerts');
    expect(act).toMatchObject({ status: 'ok', placement: { kind: 'thread' } });
    expect((await app.ports.timeline.list({ invocationId: act.invocationId })).map((e) => [e.kind, e.command])).toEqual([['command', 'alerts']]);
    // The same command as a run: button replaces what it was pressed on, as Re-check does.
    expect((await press('run:/alerts')).placement).toEqual({ kind: 'replace' });
    // A refusal stays private either way.
    expect((await press('act:/rollback nope')).placement).toEqual({ kind: 'private' });
  });
});
