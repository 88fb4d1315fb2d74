import { describe, expect, it } from 'vitest';
import { configuredOccurrences, escalationClock, heldBy, type MaintenanceWindow } from '../../src/alerts/maintenance.js';
import { configFrom } from '../support/app.js';
import { configProblems } from '../support/config-problems.js';

const t = (hhmm: string) => new Date(`2030-01-06T${hhmm}:00Z`); // a Sunday
const win = (over: Partial<MaintenanceWindow>): MaintenanceWindow => ({
  id: '1', configName: null, services: ['api'], reason: 'upgrade', startsAt: t('02:00'), endsAt: t('04:00'), endedAt: null, endedBy: null, createdBy: 'alice', noticeH: 0, ...over,
});

describe('is this alert held?', () => {
  it('holds a service of a window while it is on: from its start, until its end or when it was ended', () => {
    const w = win({});
    expect(heldBy([w], 'api', t('01:59'))).toBeNull();
    expect(heldBy([w], 'api', t('02:00'))).toBe(w);
    expect(heldBy([w], 'api', t('03:59'))).toBe(w);
    expect(heldBy([w], 'api', t('04:00'))).toBeNull();
    expect(heldBy([w], 'gateway', t('03:00'))).toBeNull();
    expect(heldBy([w], null, t('03:00'))).toBeNull();
    expect(heldBy([win({ endedAt: t('02:30') })], 'api', t('02:45'))).toBeNull();
    // Two windows on at once: the one that ends last is named.
    const longer = win({ id: '2', endsAt: t('05:00') });
    expect(heldBy([w, longer], 'api', t('03:00'))).toBe(longer);
  });

  it('a group still firing at the end escalates counting from the end; one that fired after it, from when it fired', () => {
    expect(escalationClock([win({})], 'api', t('02:30'), t('04:10'))).toEqual(t('04:00'));
    expect(escalationClock([win({})], 'api', t('01:00'), t('04:10'))).toEqual(t('04:00'));
    expect(escalationClock([win({ endedAt: t('03:00') })], 'api', t('02:30'), t('03:05'))).toEqual(t('03:00'));
    expect(escalationClock([win({})], 'api', t('04:30'), t('04:40'))).toEqual(t('04:30'));
    expect(escalationClock([win({})], 'gateway', t('02:30'), t('04:10'))).toEqual(t('02:30'));
    // A window cancelled before it started never held anything.
    expect(escalationClock([win({ endedAt: t('02:00') })], 'api', t('01:00'), t('04:10'))).toEqual(t('01:00'));
  });

  it("computes a configured window's occurrences from its cron in UTC (runbook 004: Sundays 02:00–04:00)", () => {
    const config = configFrom(`
services: { api: { health: { type: http, url: "http://127.0.0.1:9/health" } } }
maintenance:
  - { cron: "0 2 * * 0", duration: 2h, services: [api], reason: runbook 004, notice_h: 48 }
`).config;
    expect(configuredOccurrences(config, t('03:00'), t('03:00'))).toMatchObject([{ configName: 'maintenance-1', startsAt: t('02:00'), endsAt: t('04:00'), noticeH: 48 }]);
    expect(configuredOccurrences(config, t('04:00'), t('05:00'))).toEqual([]);
    expect(configuredOccurrences(config, new Date('2030-01-04T02:00:00Z'), t('01:00'))).toEqual([]);
    expect(configuredOccurrences(config, new Date('2030-01-01T00:00:00Z'), new Date('2030-01-15T00:00:00Z')).map((w) => w.startsAt.toISOString())).toEqual(['2030-01-06T02:00:00.000Z', '2030-01-13T02:00:00.000Z']);
  });

  it('config check refuses a bad cron, a bad duration and an unknown service, each with its path', () => {
    const problems = configProblems(`
services: { api: { health: { type: http, url: "http://127.0.0.1:9/health" } } }
maintenance:
  - { cron: "0 25 * * 0", duration: 2h, services: [api], reason: x }
  - { cron: "0 2 * * 0", duration: forever, services: [api], reason: x }
  - { cron: "0 2 * * 0", duration: 2h, services: [apii], reason: x }
`);
    expect(problems.map((p) => p.path)).toEqual(['maintenance[0].cron', 'maintenance[1].duration', 'maintenance[2].services[0]']);
    expect(problems[2]!.message).toBe('"apii" is not a service or datastore of this config');
  });
});
