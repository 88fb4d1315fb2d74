import { describe, expect, it } from 'vitest';
import { groupEvent, groupLabels, groupName } from '../../src/alerts/group-events.js';
import type { AlertNotification, IncomingAlert } from '../../src/alerts/model.js';

const alert = (labels: Record<string, string>, status: IncomingAlert['status'] = 'firing'): IncomingAlert => ({
  fingerprint: JSON.stringify(labels),
  status,
  labels,
  annotations: {},
  startsAt: new Date('2026-11-25T03:00:00Z'),
  endsAt: null,
  generatorUrl: null,
});

const notification = (over: Partial<AlertNotification>): AlertNotification => ({
  source: 'alertmanager',
  groupKey: '{}:{alertname="X"}',
  status: 'firing',
  receiver: 'firebreak',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalUrl: null,
  alerts: [alert({})],
  ...over,
});

describe("an alert group's name and timeline event", () => {
  it('labels: the grouping labels, overridden by what all alerts share', () => {
    expect(groupLabels(notification({ groupLabels: { alertname: 'A', team: 'db' }, commonLabels: { alertname: 'B' } }))).toEqual({ alertname: 'B', team: 'db' });
  });

  it("alertname from the group's labels, else the first alert's, else '(unnamed alert)'", () => {
    expect(groupName(notification({ groupLabels: { alertname: 'HighLatency' }, alerts: [alert({ alertname: 'Other' })] })).alertname).toBe('HighLatency');
    expect(groupName(notification({ alerts: [alert({ alertname: 'DiskFull' }), alert({ alertname: 'DiskAlmostFull' })] })).alertname).toBe('DiskFull');
    expect(groupName(notification({ alerts: [alert({})] })).alertname).toBe('(unnamed alert)');
  });

  it('service from the labels, or when every alert names the same one; none when they differ', () => {
    expect(groupName(notification({ commonLabels: { service: 'api' }, alerts: [alert({ service: 'web' })] })).service).toBe('api');
    expect(groupName(notification({ alerts: [alert({ service: 'api', pod: '1' }), alert({ service: 'api', pod: '2' })] })).service).toBe('api');
    expect(groupName(notification({ alerts: [alert({ service: 'api' }), alert({ service: 'web' })] })).service).toBeNull();
    expect(groupName(notification({ alerts: [alert({ service: 'api' }), alert({})] })).service).toBeNull();
    expect(groupName(notification({ alerts: [alert({})] })).service).toBeNull();
  });

  it('the event: received while firing, resolved when resolved, with the counts and the source', () => {
    const counts = { firingCount: 2, resolvedCount: 1 };
    expect(groupEvent({ source: 'alertmanager', status: 'firing' }, { alertname: 'HighLatency', service: 'api' }, counts)).toEqual({
      kind: 'alert.received',
      text: 'HighLatency (api): 2 firing, 1 resolved — alertmanager',
    });
    expect(groupEvent({ source: 'grafana', status: 'resolved' }, { alertname: 'DiskFull', service: null }, { firingCount: 0, resolvedCount: 3 })).toEqual({
      kind: 'alert.resolved',
      text: 'DiskFull: 0 firing, 3 resolved — grafana',
    });
  });
});
