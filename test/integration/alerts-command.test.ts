import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alice, consoleChan, testApp } from '../support/app.js';
import { ingestGroup } from '../support/alert-groups.js';

describe('/alerts [SERVICE]', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  const run = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text } });

  beforeAll(async () => {
    app = await testApp('');
  });
  afterAll(() => app.close());

  it('lists the firing groups, most urgent first: count, severity, since, who acknowledged; the first line counts groups and alerts', async () => {
    expect((await run('/alerts')).reply).toMatchObject({ title: '0 groups firing, 0 alerts', status: 'ok', text: 'Nothing is firing.' });
    const t0 = Date.now();
    const warn = await ingestGroup(app, { key: 'l-1', alertname: 'HighLatency', service: 'litellm', severity: 'warning', firstFiredAt: new Date(t0 - 600_000) });
    const crit = await ingestGroup(app, {
      key: 'l-2',
      alertname: 'ProviderDown',
      service: 'api',
      severity: 'critical',
      firstFiredAt: new Date(t0 - 300_000),
      alerts: [
        { fingerprint: 'a', status: 'firing' },
        { fingerprint: 'b', status: 'firing' },
        { fingerprint: 'c', status: 'resolved' },
      ],
    });
    await ingestGroup(app, { key: 'l-3', alertname: 'Gone', alerts: [{ fingerprint: 'x', status: 'resolved' }] });
    await app.ports.alerts.acknowledge(warn.id, { platform: 'console', id: 'bob', name: 'bob' }, []);

    const r = await run('/alerts');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('2 groups firing, 3 alerts');
    expect(r.reply.status).toBe('error');
    expect(r.reply.rows?.map((row) => [row.status, ...row.cells.slice(0, 4), row.cells[5]])).toEqual([
      ['error', 'ProviderDown', 'api', 'critical', '2 firing', 'not acknowledged'],
      ['warning', 'HighLatency', 'litellm', 'warning', '1 firing', 'acknowledged by bob'],
    ]);
    expect(r.reply.rows?.[0]?.cells[4]).toMatch(/^since \d\d:\d\d UTC \(5 min\)$/);
    // Acknowledge for the one nobody has acknowledged, pressed on this list; and Refresh.
    expect(r.reply.buttons?.map((b) => b.actionId)).toEqual([`ack:${crit.id} list`, 'run:/alerts']);

    const api = await run('/alerts api');
    expect(api.reply.title).toBe('1 group firing, 2 alerts for api');
    expect(api.reply.buttons?.map((b) => b.actionId)).toEqual([`ack:${crit.id} list api`, 'run:/alerts api']);
  });

  it('refuses a service filter that is not one word', async () => {
    const r = await run('/alerts "api gateway"');
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toMatch(/one word/);
  });
});
