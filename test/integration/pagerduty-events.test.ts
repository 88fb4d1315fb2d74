import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pageSeverity, PagingError } from '../../src/core/paging-port.js';
import { PagerDutyEvents } from '../../src/integrations/pagerduty/events-client.js';
import { startFakePagerDuty, type FakePagerDuty } from '../fakes/pagerduty.js';
import { startHttpRecorder } from '../fakes/http-recorder.js';

const KEY = 'R0UT1NGKEY0123456789abcdefABCDEF';

describe('PagerDuty Events API v2 client against the fake PagerDuty', () => {
  let pd: FakePagerDuty;
  const waits: number[] = [];
  const client = (over: Partial<ConstructorParameters<typeof PagerDutyEvents>[0]> = {}) =>
    new PagerDutyEvents({ routingKey: KEY, apiUrl: pd.url, sleep: async (ms) => void waits.push(ms), ...over });

  beforeAll(async () => {
    pd = await startFakePagerDuty({ routingKey: KEY });
  });
  afterAll(() => pd.close());
  beforeEach(() => {
    pd.events.length = 0;
    pd.requests.length = 0;
    waits.length = 0;
  });

  it('triggers, acknowledges and resolves one incident by dedup_key', async () => {
    const c = client();
    await c.trigger({
      dedupKey: 'firebreak-alert-7',
      summary: 'ProviderDown unacknowledged for 15 min',
      source: 'api',
      severity: 'critical',
      timestamp: new Date('2026-11-25T14:00:00Z'),
      details: { alertname: 'ProviderDown' },
      links: [{ href: 'https://runbooks.example.com/provider-down', text: 'Runbook' }],
    });
    expect(pd.incidents.get('firebreak-alert-7')).toBe('triggered');
    await c.acknowledge('firebreak-alert-7');
    expect(pd.incidents.get('firebreak-alert-7')).toBe('acknowledged');
    await c.resolve('firebreak-alert-7');
    expect(pd.incidents.get('firebreak-alert-7')).toBe('resolved');
    expect(pd.events.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve']);
    expect(pd.events[0]).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: 'firebreak-alert-7',
      payload: { summary: 'ProviderDown unacknowledged for 15 min', source: 'api', severity: 'critical', timestamp: '2026-11-25T14:00:00.000Z', custom_details: { alertname: 'ProviderDown' } },
      links: [{ href: 'https://runbooks.example.com/provider-down', text: 'Runbook' }],
      client: 'Firebreak',
    });
  });

  it('a wrong routing key is one sentence, at once (a 400 is not retried)', async () => {
    const wrong = client({ routingKey: 'W'.repeat(32) });
    const err = await wrong.trigger({ dedupKey: 'k', summary: 's', source: 'x', severity: 'error' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PagingError);
    expect((err as Error).message).toBe(
      'PagerDuty refused the routing key (400 Invalid routing key); alerts.pagerduty.routing_key must be the integration key of an Events API v2 integration.',
    );
    expect(pd.requests.map((r) => r.status)).toEqual([400]);
    expect(pd.events).toEqual([]);
  });

  it('429 then accepted: retried with backoff, the event arrives once', async () => {
    pd.rateLimitNext(2);
    await client().trigger({ dedupKey: 'rl', summary: 's', source: 'x', severity: 'warning' });
    expect(pd.requests.map((r) => r.status)).toEqual([429, 429, 202]);
    expect(pd.events.filter((e) => e.dedup_key === 'rl')).toHaveLength(1);
    expect(waits).toEqual([500, 1000]);
  });

  it('a PagerDuty that keeps failing gives up after its attempts, saying why', async () => {
    pd.failNext(10, 503);
    const err = await client({ attempts: 3 })
      .resolve('gone')
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('PagerDuty failed (503 Internal Server Error); gave up after 3 attempts to resolve.');
    expect(pd.requests.map((r) => r.status)).toEqual([503, 503, 503]);
    pd.failNext(0);
  });

  it('a PagerDuty that does not answer is abandoned after the timeout', async () => {
    const slow = await startHttpRecorder();
    slow.respond(202, '{"status":"success"}', { delayMs: 5_000 });
    try {
      const err = await new PagerDutyEvents({ routingKey: KEY, apiUrl: slow.url, timeoutMs: 200, attempts: 2, sleep: async () => {} })
        .acknowledge('k')
        .catch((e: unknown) => e);
      expect((err as Error).message).toBe(`PagerDuty (${new URL(slow.url).host}) did not answer within 200 ms; gave up after 2 attempts to acknowledge.`);
      expect(slow.requests).toHaveLength(2);
    } finally {
      await slow.close();
    }
  });

  it('maps our severities onto PagerDuty’s four', () => {
    expect(['critical', 'SEV1', 'P1', 'error', 'high', null, 'warning', 'sev3', 'info', 'low'].map(pageSeverity)).toEqual([
      'critical',
      'critical',
      'critical',
      'error',
      'error',
      'error',
      'warning',
      'warning',
      'info',
      'info',
    ]);
  });
});
