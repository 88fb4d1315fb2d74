import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerSilences } from '../../src/integrations/alertmanager/silences.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { freePort, startAlertmanager, type RunningAlertmanager } from '../support/alertmanager.js';

const hour = (from: Date) => new Date(from.getTime() + 3_600_000);

describe('silences client against the real Alertmanager (API v2)', () => {
  let am: RunningAlertmanager;
  beforeAll(async () => {
    am = await startAlertmanager({ webhookUrl: 'http://127.0.0.1:9/unused' });
  });
  afterAll(async () => am?.stop());

  it('creates a silence that Alertmanager lists: equality matchers from the labels, one hour, who and why', async () => {
    const now = new Date();
    const r = await new AlertmanagerSilences(`${am.url}/`).create({
      matchers: { alertname: 'ProviderDown', service: 'gateway', empty: '' },
      startsAt: now,
      endsAt: hour(now),
      createdBy: 'alice',
      comment: 'Silenced from Firebreak by alice',
    });
    expect(r.ok).toBe(true);
    const id = r.ok ? r.id : '';
    const listed = (await am.silences()).find((s) => s.id === id);
    expect(listed?.status.state).toBe('active');
    expect(listed?.createdBy).toBe('alice');
    expect(listed?.comment).toBe('Silenced from Firebreak by alice');
    expect(listed?.matchers.map((m) => [m.name, m.value, m.isRegex, m.isEqual]).sort()).toEqual([
      ['alertname', 'ProviderDown', false, true],
      ['service', 'gateway', false, true],
    ]);
    expect(Math.abs(new Date(listed!.endsAt).getTime() - hour(now).getTime())).toBeLessThan(1000);
  });

  it("says in one sentence what Alertmanager objected to, and nothing is created", async () => {
    const before = (await am.silences()).length;
    const now = new Date();
    const r = await new AlertmanagerSilences(am.url).create({ matchers: { alertname: 'X' }, startsAt: now, endsAt: new Date(now.getTime() - 1000), createdBy: 'alice', comment: 'c' });
    expect(r).toEqual({ ok: false, problem: `Alertmanager at ${new URL(am.url).host} refused the silence with HTTP 400: Failed to create silence: start time must be before end time. Nothing was silenced.` });
    expect(await am.silences()).toHaveLength(before);
  });
});

describe('silences client: credentials, prefixes and failures', () => {
  let rec: HttpRecorder;
  beforeAll(async () => {
    rec = await startHttpRecorder();
  });
  afterAll(async () => rec?.close());
  const req = () => ({ matchers: { alertname: 'A' }, startsAt: new Date(), endsAt: hour(new Date()), createdBy: 'alice', comment: 'c' });

  it('sends URL credentials as Basic auth to the path under a route prefix, and never shows them', async () => {
    rec.respond(200, '{"silenceID":"1b2c3d4e-0000-4000-8000-000000000001"}');
    const u = new URL(rec.url);
    const client = new AlertmanagerSilences(`http://am-user:s3cr%40t@${u.host}/alertmanager/`);
    expect(await client.create(req())).toEqual({ ok: true, id: '1b2c3d4e-0000-4000-8000-000000000001' });
    const sent = rec.requests.at(-1)!;
    expect(sent.url).toBe('/alertmanager/api/v2/silences');
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('am-user:s3cr@t').toString('base64')}`);
    expect(client.target).toBe(u.host);

    rec.respond(401, 'Unauthorized');
    const denied = await client.create(req());
    expect(denied.ok).toBe(false);
    expect(!denied.ok && denied.problem).toBe(`Alertmanager at ${u.host} refused the silence with HTTP 401; check the credentials in alerts.alertmanager_url. Nothing was silenced.`);
  });

  it('an answer without a silence id, a refused connection and no labels each get one sentence', async () => {
    rec.respond(200, '<html>proxy login</html>');
    const client = new AlertmanagerSilences(rec.url);
    const odd = await client.create(req());
    expect(!odd.ok && odd.problem).toMatch(/answered HTTP 200 without a silence id; is alerts\.alertmanager_url the Alertmanager itself\?$/);

    const port = await freePort();
    const down = await new AlertmanagerSilences(`http://127.0.0.1:${port}`).create(req());
    expect(!down.ok && down.problem).toBe(`Alertmanager at 127.0.0.1:${port} refused the connection (is it running, and is alerts.alertmanager_url right?); nothing was silenced.`);

    const before = rec.requests.length;
    const none = await client.create({ ...req(), matchers: { only: '' } });
    expect(!none.ok && none.problem).toMatch(/needs at least one label/);
    expect(rec.requests).toHaveLength(before);
  });
});
