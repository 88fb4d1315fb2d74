import type { TimelineEvent } from '../core/timeline.js';
import type { DraftInput } from './draft-input.js';
import { statusTo } from './event-detail.js';

/** One key time and where it came from, in words a reader can check against the timeline. */
export interface KeyTime {
  at: Date | null;
  source: string;
}

export interface KeyTimes {
  started: KeyTime;
  detected: KeyTime;
  acknowledged: KeyTime;
  mitigated: KeyTime;
  resolved: KeyTime;
  /** acknowledged − detected */
  ttaMs: number | null;
  /** mitigated − started */
  ttmMs: number | null;
  /** resolved − started */
  ttrMs: number | null;
}

const who = (e: TimelineEvent): string => e.actor.name;

function between(from: KeyTime, to: KeyTime): number | null {
  if (!from.at || !to.at) return null;
  const ms = to.at.getTime() - from.at.getTime();
  // A negative span means the record is odd (clocks, a back-dated row); no number beats a wrong one.
  return ms >= 0 ? ms : null;
}

/**
 * The first mutating action that succeeded: a confirmed step (`action.finished`, outcome ok), or an
 * action run without confirmation (`action.started`, then its `command` event with outcome ok).
 * A read-only action (`detail.readOnly`: a log grep, a status read) is never the mitigation, however
 * it was run. Named by what was typed (the invocation's first event) and who asked and confirmed.
 */
function firstSuccessfulAction(events: readonly TimelineEvent[]): { at: Date; label: string } | null {
  const firstOf = new Map<string, TimelineEvent>();
  const startedUnconfirmed = new Set<string>();
  for (const e of events) {
    if (!firstOf.has(e.invocationId)) firstOf.set(e.invocationId, e);
    const confirmed = e.kind === 'action.finished' && e.outcome === 'ok';
    const unconfirmed = e.kind === 'command' && e.outcome === 'ok' && startedUnconfirmed.has(e.invocationId);
    if ((confirmed || unconfirmed) && e.detail.readOnly !== true) {
      const first = firstOf.get(e.invocationId)!;
      // A confirmed step's first row is what was typed; an unconfirmed one's command row is.
      const typed = (e.kind === 'command' ? e.text : first.text) ?? (e.command ? `/${e.command}` : (e.text ?? e.kind));
      const by = confirmed && first !== e && first.actor.id !== e.actor.id ? `requested by ${who(first)}, confirmed by ${who(e)}` : `by ${who(e)}`;
      return { at: e.at, label: `${typed} (${by})` };
    }
    if (e.kind === 'action.started') startedUnconfirmed.add(e.invocationId);
  }
  return null;
}

/**
 * The incident's key times from what was recorded, each with its source:
 * - started: the first alert's startsAt, or the declaration when no alert fired before it;
 * - detected: the first alert Firebreak received, or the declaration;
 * - acknowledged: the first alert acknowledgement, else the incident's first status change;
 * - mitigated: the earlier of status → monitoring and the first successful mutating action;
 * - resolved: status → resolved (the incident's resolvedAt).
 */
export function keyTimes(input: Pick<DraftInput, 'incident' | 'events' | 'alerts'>): KeyTimes {
  const { incident, events, alerts } = input;
  const declared = incident.declaredAt;
  const declaredBy = incident.declaredBy.name;

  let firstAlert: { at: Date; name: string } | null = null;
  for (const g of alerts) if (!firstAlert || g.firstFiredAt < firstAlert.at) firstAlert = { at: g.firstFiredAt, name: g.alertname };
  const started: KeyTime =
    firstAlert && firstAlert.at <= declared
      ? { at: firstAlert.at, source: `first alert's startsAt (${firstAlert.name})` }
      : { at: declared, source: firstAlert ? `declared by ${declaredBy} (before its first alert fired)` : `declared by ${declaredBy} (no alert)` };

  const alertName = (e: TimelineEvent): string => alerts.find((g) => g.id === e.detail.group)?.alertname ?? e.text ?? 'an alert';
  let received: TimelineEvent | undefined;
  let alertAck: TimelineEvent | undefined;
  let firstStatus: TimelineEvent | undefined;
  let monitoring: TimelineEvent | undefined;
  let resolvedEvent: TimelineEvent | undefined;
  for (const e of events) {
    if (e.kind === 'alert.received') received ??= e;
    else if (e.kind === 'alert.acknowledged') alertAck ??= e;
    else if (e.kind === 'incident.status') {
      firstStatus ??= e;
      const to = statusTo(e);
      if (to === 'monitoring') monitoring ??= e;
      if (to === 'resolved') resolvedEvent = e;
    }
  }

  const detected: KeyTime =
    received && received.at <= declared
      ? { at: received.at, source: `first alert received (${alertName(received)}, from ${received.actor.name})` }
      : {
          at: declared,
          source: `declared by ${declaredBy}${received ? ' (before any alert was received)' : alerts.length > 0 ? ' (no alert receipt on its timeline)' : ' (no alert received)'}`,
        };

  const acknowledged: KeyTime = alertAck
    ? { at: alertAck.at, source: `${alertName(alertAck)} acknowledged by ${who(alertAck)}` }
    : firstStatus
      ? { at: firstStatus.at, source: `the incident's first status change (→ ${statusTo(firstStatus) ?? firstStatus.text ?? '?'}) by ${who(firstStatus)}; no alert was acknowledged` }
      : { at: null, source: 'not recorded (no alert acknowledgement, no status change)' };

  const action = firstSuccessfulAction(events);
  let mitigated: KeyTime;
  if (monitoring && (!action || monitoring.at <= action.at)) mitigated = { at: monitoring.at, source: `status → monitoring by ${who(monitoring)}` };
  else if (action) mitigated = { at: action.at, source: `first successful mutating action: ${action.label}` };
  else mitigated = { at: null, source: 'not recorded (no status → monitoring, no successful mutating action)' };

  const resolvedAt = incident.resolvedAt ?? resolvedEvent?.at ?? null;
  const resolved: KeyTime = resolvedAt
    ? { at: resolvedAt, source: resolvedEvent ? `status → resolved by ${who(resolvedEvent)}` : 'the incident was resolved' }
    : { at: null, source: 'not resolved yet' };

  return {
    started,
    detected,
    acknowledged,
    mitigated,
    resolved,
    ttaMs: between(detected, acknowledged),
    ttmMs: between(started, mitigated),
    ttrMs: between(started, resolved),
  };
}
