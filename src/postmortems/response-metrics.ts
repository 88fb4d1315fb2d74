import type { Incident, Severity } from '../incidents/model.js';
import type { KeyTimes } from './key-times.js';

/**
 * Response metrics over a window (the /incidents page): per severity, how long the clocks of
 * key-times.ts ran, as the median and the 90th percentile. Pure, so scripted incidents with known
 * times give known numbers.
 *
 * - MTTA: detected → acknowledged (keyTimes.ttaMs)
 * - MTTM: started → mitigated (keyTimes.ttmMs)
 * - MTTR: started → resolved (keyTimes.ttrMs)
 *
 * An incident counts in a window when it was declared inside it; a clock it has not stopped yet
 * (not acknowledged, not resolved) is left out of that figure and counted as `open`.
 */
export interface Spread {
  /** How many incidents had this clock stopped. */
  n: number;
  /** Middle value; the mean of the two middle ones for an even count. Null with no value. */
  medianMs: number | null;
  /** Nearest rank: the smallest value with at least 90% of values at or below it. */
  p90Ms: number | null;
  /** Incidents in the window whose clock is still running. */
  open: number;
}

export interface SeverityMetrics {
  severity: Severity;
  incidents: number;
  mtta: Spread;
  mttm: Spread;
  mttr: Spread;
}

export interface ResponseMetrics {
  days: number;
  from: Date;
  to: Date;
  incidents: number;
  bySeverity: SeverityMetrics[];
  /** Incidents per service (its `service`, "no service" when none), most first, then by name. */
  byService: { service: string; incidents: number }[];
}

export interface MeasuredIncident {
  incident: Incident;
  keyTimes: KeyTimes;
}

const SEVERITIES: readonly Severity[] = ['sev1', 'sev2', 'sev3', 'sev4'];
export const NO_SERVICE = 'no service';

export function median(sorted: readonly number[]): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

function spread(values: readonly (number | null)[]): Spread {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return { n: known.length, medianMs: median(known), p90Ms: percentile(known, 90), open: values.length - known.length };
}

export function responseMetrics(measured: readonly MeasuredIncident[], now: Date, days: number): ResponseMetrics {
  const from = new Date(now.getTime() - days * 86_400_000);
  const inWindow = measured.filter((m) => m.incident.declaredAt >= from && m.incident.declaredAt <= now);
  const bySeverity = SEVERITIES.map((severity): SeverityMetrics => {
    const of = inWindow.filter((m) => m.incident.severity === severity);
    return {
      severity,
      incidents: of.length,
      mtta: spread(of.map((m) => m.keyTimes.ttaMs)),
      mttm: spread(of.map((m) => m.keyTimes.ttmMs)),
      mttr: spread(of.map((m) => m.keyTimes.ttrMs)),
    };
  });
  const services = new Map<string, number>();
  for (const m of inWindow) {
    const s = m.incident.service ?? NO_SERVICE;
    services.set(s, (services.get(s) ?? 0) + 1);
  }
  const byService = [...services.entries()].map(([service, incidents]) => ({ service, incidents })).sort((a, b) => b.incidents - a.incidents || a.service.localeCompare(b.service));
  return { days, from, to: now, incidents: inWindow.length, bySeverity, byService };
}
