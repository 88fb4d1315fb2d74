import { describe, expect, it } from 'vitest';
import { watchNotification } from '../../src/alerts/health-watch.js';
import type { AlertNotification, IncomingAlert } from '../../src/alerts/model.js';
import { pipelineSilentNotification, splitWatchdog, watchdogOverdue } from '../../src/alerts/watchdog.js';
import { configFrom } from '../support/app.js';
import { configProblems } from '../support/config-problems.js';

const config = configFrom('alerts:\n  watchdog: { expect_every_s: 300 }\n').config;

const alert = (alertname: string, status: 'firing' | 'resolved' = 'firing'): IncomingAlert => ({
  fingerprint: alertname,
  status,
  labels: { alertname },
  annotations: {},
  startsAt: new Date('2026-12-07T10:00:00Z'),
  endsAt: null,
  generatorUrl: null,
});
const notification = (alerts: IncomingAlert[]): AlertNotification => ({
  source: 'alertmanager',
  groupKey: '{}:{}',
  status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
  receiver: 'firebreak',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalUrl: null,
  alerts,
});

describe('alerts.watchdog', () => {
  it('defaults to the kube-prometheus Watchdog every 5 min; a bad period is refused with its path', () => {
    expect(config.alerts.watchdog).toEqual({ alertname: 'Watchdog', expect_every_s: 300 });
    expect(configFrom('alerts: {}\n').config.alerts.watchdog).toBeUndefined();
    expect(configProblems('alerts:\n  watchdog: { expect_every_s: 0 }\n')).toEqual([expect.objectContaining({ path: 'alerts.watchdog.expect_every_s' })]);
  });

  it('is overdue at twice the expected period, not before', () => {
    const seen = new Date('2026-12-07T10:00:00Z');
    expect(watchdogOverdue(seen, new Date('2026-12-07T10:09:59Z'), 300)).toBe(false);
    expect(watchdogOverdue(seen, new Date('2026-12-07T10:10:00Z'), 300)).toBe(true);
  });

  it('splits the Watchdog off a notification; the rest is ingested as it was', () => {
    expect(splitWatchdog(config, notification([alert('Watchdog')])).rest).toBeNull();
    const mixed = splitWatchdog(config, notification([alert('Watchdog'), alert('HighErrorRate', 'resolved')]));
    expect(mixed.watchdog.map((a) => a.labels.alertname)).toEqual(['Watchdog']);
    expect(mixed.rest).toMatchObject({ status: 'resolved', alerts: [{ labels: { alertname: 'HighErrorRate' } }] });
    const other = notification([alert('HighErrorRate')]);
    expect(splitWatchdog(config, other).rest).toBe(other);
    // Without alerts.watchdog, a Watchdog is an alert like any other.
    expect(splitWatchdog(configFrom('{}').config, notification([alert('Watchdog')])).rest).not.toBeNull();
  });

  it('raises a critical "Alerting pipeline silent since HH:MM" alert that keeps its start when resolved', () => {
    const since = new Date('2026-12-07T02:13:00Z');
    const firing = pipelineSilentNotification(config, since, 'firing', new Date('2026-12-07T02:23:00Z'));
    expect(firing.commonAnnotations.summary).toBe('Alerting pipeline silent since 02:13 UTC');
    expect(firing.commonLabels).toMatchObject({ alertname: 'AlertingPipelineSilent', severity: 'critical' });
    const resolved = pipelineSilentNotification(config, since, 'resolved', new Date('2026-12-07T02:40:00Z'));
    expect(resolved.alerts[0]).toMatchObject({ startsAt: since, endsAt: new Date('2026-12-07T02:40:00Z'), fingerprint: firing.alerts[0]!.fingerprint });
    expect(resolved.groupKey).toBe(firing.groupKey);
  });

  it("the health watch's alert says when the webhook path is silent too", () => {
    const at = new Date('2026-12-07T02:30:00Z');
    const state = { firstFailureAt: at, summary: 'api health check failing: connection refused', failures: 3 };
    const plain = watchNotification({ name: 'api', service: true }, state, 'firing', at, { intervalS: 60 });
    expect(plain.commonAnnotations.description).not.toContain('silent');
    const both = watchNotification({ name: 'api', service: true }, state, 'firing', at, { intervalS: 60, pipelineSilentSince: new Date('2026-12-07T02:13:00Z') });
    expect(both.commonAnnotations.description).toContain('The alert webhook path is silent too: no Watchdog from Alertmanager since 02:13 UTC.');
  });
});
