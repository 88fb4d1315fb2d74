import type { JsonValue } from '../core/outcome.js';
import type { TimelineEvent } from '../core/timeline.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../incidents/model.js';

/**
 * What the draft reads from an event's `detail`. Rows are written by several domains and by older
 * versions, so every field is optional and a field of the wrong type counts as absent: a draft is
 * never refused because one row is odd.
 */
export function detailString(e: TimelineEvent, key: string): string | undefined {
  const v: JsonValue | undefined = e.detail[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** A person named in detail, as a name string or an Actor-like object with a name. */
export function detailName(e: TimelineEvent, key: string): string | undefined {
  const v: JsonValue | undefined = e.detail[key];
  if (typeof v === 'string' && v !== '') return v;
  if (v && typeof v === 'object' && !Array.isArray(v) && typeof v.name === 'string' && v.name !== '') return v.name;
  return undefined;
}

function asStatus(v: string | undefined): IncidentStatus | undefined {
  const s = v?.trim().toLowerCase();
  return INCIDENT_STATUSES.find((x) => x === s);
}

/**
 * The status an `incident.status` event moved to: `detail.to` (or `detail.status`), else the text
 * when it names a status ("monitoring", "identified → monitoring", "monitoring: error rate down").
 */
export function statusTo(e: TimelineEvent): IncidentStatus | undefined {
  const fromDetail = asStatus(detailString(e, 'to')) ?? asStatus(detailString(e, 'status'));
  if (fromDetail) return fromDetail;
  const text = e.text ?? '';
  const arrow = /→\s*([a-z]+)/i.exec(text) ?? /\bto\s+([a-z]+)/i.exec(text) ?? /^\s*([a-z]+)/i.exec(text);
  return asStatus(arrow?.[1]);
}

/** The severities an `incident.severity` event changed between (`detail.from`, `detail.to`), when it says. */
export function severityChange(e: TimelineEvent): { from?: string; to?: string } {
  return { from: detailString(e, 'from'), to: detailString(e, 'to') ?? detailString(e, 'severity') };
}
