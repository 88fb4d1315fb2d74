import { describe, expect, it } from 'vitest';
import type { TimelineEvent } from '../../src/core/timeline.js';
import type { Incident, Severity } from '../../src/incidents/model.js';
import { keyTimes } from '../../src/postmortems/key-times.js';
import { median, percentile, responseMetrics, type MeasuredIncident } from '../../src/postmortems/response-metrics.js';

const NOW = new Date('2026-12-01T00:00:00Z');
const MIN = 60_000;
const person = { platform: 'slack', id: 'U1', name: 'alice' };

let nextId = 1;
function event(kind: string, at: Date, extra: Partial<TimelineEvent> = {}): TimelineEvent {
  return { id: nextId++, at, invocationId: `i${nextId}`, incidentId: null, kind, actor: person, channel: null, command: null, text: null, argv: null, exitCode: null, outcome: 'ok', output: null, durationMs: null, detail: {}, service: null, ...extra };
}

/**
 * One scripted incident with known clocks, recorded as the rooms record them: declared `daysAgo`,
 * acknowledged (first status change) `ack` minutes later, monitoring `mitigate` minutes after the
 * declaration, resolved `resolve` minutes after it (null: still open).
 */
function scripted(n: number, severity: Severity, service: string | null, daysAgo: number, ack: number | null, mitigate: number | null, resolve: number | null): MeasuredIncident {
  const declaredAt = new Date(NOW.getTime() - daysAgo * 86_400_000);
  const at = (m: number) => new Date(declaredAt.getTime() + m * MIN);
  const id = `INC-${n}`;
  const events = [
    event('incident.declared', declaredAt, { incidentId: id }),
    ...(ack !== null ? [event('incident.status', at(ack), { incidentId: id, detail: { to: 'identified' } })] : []),
    ...(mitigate !== null ? [event('incident.status', at(mitigate), { incidentId: id, detail: { to: 'monitoring' } })] : []),
    ...(resolve !== null ? [event('incident.status', at(resolve), { incidentId: id, detail: { to: 'resolved' } })] : []),
  ];
  const incident: Incident = {
    id,
    title: `incident ${n}`,
    severity,
    status: resolve !== null ? 'resolved' : 'investigating',
    roles: { lead: null, comms: null, scribe: null },
    declaredBy: person,
    declaredAt,
    source: `t:${n}`,
    channel: null,
    alertGroups: [],
    service,
    resolvedAt: resolve !== null ? at(resolve) : null,
    version: 1,
  };
  return { incident, keyTimes: keyTimes({ incident, events, alerts: [] }) };
}

const INCIDENTS: MeasuredIncident[] = [
  // sev1 in the last 30 days: acks 2, 4, 10 min; mitigated 20, 30, 50; resolved 60, 90, 240.
  scripted(1, 'sev1', 'api', 1, 2, 20, 60),
  scripted(2, 'sev1', 'api', 5, 4, 30, 90),
  scripted(3, 'sev1', 'checkout', 20, 10, 50, 240),
  // sev1 40 days ago: only in the 90-day window.
  scripted(4, 'sev1', 'api', 40, 30, 100, 600),
  // sev2: one resolved, one still open (acknowledged, not mitigated).
  scripted(5, 'sev2', 'worker', 3, 6, 15, 45),
  scripted(6, 'sev2', null, 2, 8, null, null),
  // 100 days ago: in neither window.
  scripted(7, 'sev3', 'api', 100, 1, 2, 3),
];

describe('response metrics from scripted incidents with known times', () => {
  it('median and nearest-rank p90', () => {
    expect(median([])).toBeNull();
    expect(median([5])).toBe(5);
    expect(median([1, 3])).toBe(2);
    expect(median([1, 2, 10])).toBe(2);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(percentile([1, 2, 3], 90)).toBe(3);
    expect(percentile([7], 90)).toBe(7);
  });

  it('last 30 days: golden numbers per severity, open clocks left out and counted', () => {
    const m = responseMetrics(INCIDENTS, NOW, 30);
    expect(m.incidents).toBe(5);
    const sev1 = m.bySeverity.find((s) => s.severity === 'sev1')!;
    expect(sev1).toEqual({
      severity: 'sev1',
      incidents: 3,
      mtta: { n: 3, medianMs: 4 * MIN, p90Ms: 10 * MIN, open: 0 },
      mttm: { n: 3, medianMs: 30 * MIN, p90Ms: 50 * MIN, open: 0 },
      mttr: { n: 3, medianMs: 90 * MIN, p90Ms: 240 * MIN, open: 0 },
    });
    const sev2 = m.bySeverity.find((s) => s.severity === 'sev2')!;
    expect(sev2).toEqual({
      severity: 'sev2',
      incidents: 2,
      mtta: { n: 2, medianMs: 7 * MIN, p90Ms: 8 * MIN, open: 0 },
      mttm: { n: 1, medianMs: 15 * MIN, p90Ms: 15 * MIN, open: 1 },
      mttr: { n: 1, medianMs: 45 * MIN, p90Ms: 45 * MIN, open: 1 },
    });
    expect(m.bySeverity.find((s) => s.severity === 'sev3')).toMatchObject({ incidents: 0, mttr: { n: 0, medianMs: null, p90Ms: null } });
    expect(m.byService).toEqual([
      { service: 'api', incidents: 2 },
      { service: 'checkout', incidents: 1 },
      { service: 'no service', incidents: 1 },
      { service: 'worker', incidents: 1 },
    ]);
  });

  it('last 90 days takes the older sev1 in too', () => {
    const m = responseMetrics(INCIDENTS, NOW, 90);
    expect(m.incidents).toBe(6);
    expect(m.bySeverity.find((s) => s.severity === 'sev1')).toMatchObject({
      incidents: 4,
      mtta: { n: 4, medianMs: 7 * MIN, p90Ms: 30 * MIN },
      mttm: { n: 4, medianMs: 40 * MIN, p90Ms: 100 * MIN },
      mttr: { n: 4, medianMs: 165 * MIN, p90Ms: 600 * MIN },
    });
    expect(m.byService[0]).toEqual({ service: 'api', incidents: 3 });
  });
});
