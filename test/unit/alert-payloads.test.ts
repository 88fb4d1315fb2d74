import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { alertmanagerPayloadSchema, fromAlertmanager } from '../../src/alerts/payloads/alertmanager.js';
import { fromGrafana, grafanaPayloadSchema } from '../../src/alerts/payloads/grafana.js';
import { notificationDedupeKey } from '../../src/alerts/dedupe-key.js';

const dir = 'test/fixtures/alerts';
const read = (f: string): unknown => JSON.parse(readFileSync(join(dir, f), 'utf8'));

describe('webhook payloads as the senders send them (test/fixtures/alerts)', () => {
  const amFiles = readdirSync(dir).filter((f) => /^alertmanager-0\.25-(firing|partially-resolved|resolved|truncated)\.json$/.test(f));
  const grafanaFiles = readdirSync(dir).filter((f) => /^grafana-.*\.json$/.test(f));

  it('has the captured Alertmanager 0.25 and the Grafana fixtures', () => {
    expect(amFiles.length).toBe(4);
    expect(grafanaFiles.length).toBeGreaterThanOrEqual(3);
  });

  it.each(amFiles)('Alertmanager %s parses and normalizes', (f) => {
    const n = fromAlertmanager(alertmanagerPayloadSchema.parse(read(f)));
    expect(n.source).toBe('alertmanager');
    expect(n.alerts.length).toBeGreaterThan(0);
    for (const a of n.alerts) {
      expect(a.fingerprint).not.toBe('');
      expect(Number.isNaN(a.startsAt.getTime())).toBe(false);
      // "0001-01-01T00:00:00Z" is Alertmanager's "not set", never a real end.
      if (a.status === 'firing') expect(a.endsAt).toBeNull();
    }
  });

  it.each(grafanaFiles)('Grafana %s parses and keeps its links', (f) => {
    const n = fromGrafana(grafanaPayloadSchema.parse(read(f)));
    expect(n.source).toBe('grafana');
    expect(n.alerts.some((a) => a.dashboardUrl || a.panelUrl)).toBe(true);
  });

  it('the HA pair sends one notification twice, differing in externalURL only: one dedupe key', () => {
    const pair = read('alertmanager-0.25-ha-pair.json') as unknown[];
    const keys = pair.map((p) => notificationDedupeKey(fromAlertmanager(alertmanagerPayloadSchema.parse(p))));
    const urls = pair.map((p) => (p as { externalURL: string }).externalURL);
    expect(new Set(urls).size).toBe(2);
    expect(new Set(keys).size).toBe(1);
  });
});
