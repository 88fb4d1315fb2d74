/**
 * The drill sweep: a drill cleans up after itself (src/alerts/drill.ts), but only while the process
 * running it lives. When that process dies mid-drill, its DRILL card would stay firing for ever and
 * a `--incident` drill's incident open. Every replica's drill sweeper (src/scheduler/drill-sweeper.ts)
 * calls this: a drill group still firing DRILL_ABANDONED_AFTER_MS after the drill started has lost
 * its runner; its incident is resolved (unless the drill asked to keep it) and its alert resolved
 * through the same ingestion, and one `drill.reported` event says the sweep cleaned it up.
 *
 * Claimed once across replicas by the alert store itself: every replica stores the same resolved
 * notification (drillSweptNotification), the group's row lock serializes them, and only the one
 * whose notification moved the group from firing to resolved records the event; the others' are
 * repeats. The incident is resolved first, so a sweeper that dies between the two leaves a group
 * still firing, which the next pass (of any replica) finishes; resolving an incident already resolved
 * changes nothing.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { Actor } from '../core/identity.js';
import type { IngestResult } from './alert-store.js';
import { DEFAULT_DRILL_CARD_WAIT_MS, type DrillIncidents } from './drill.js';
import { DRILL_KEEP_INCIDENT, DRILL_MARK, DRILL_SOURCE, drillIdOf, drillSweptNotification } from './drill-alert.js';
import type { AlertGroup, AlertNotification } from './model.js';
import type { AlertsPorts } from './ports.js';

/**
 * A drill's alert fires from its first hop until its cleanup: the card hop waits up to
 * DEFAULT_DRILL_CARD_WAIT_MS (60 s), then each escalation step posts one message and the incident,
 * if asked, is declared — seconds, unless a chat platform is slow. Five times the card wait leaves a
 * living drill minutes of room for those, so only a drill whose runner is gone is swept.
 */
export const DRILL_ABANDONED_AFTER_MS = 5 * DEFAULT_DRILL_CARD_WAIT_MS;
/** How often every replica looks: an abandoned drill is cleaned up within 5½ minutes of its start. */
export const DRILL_SWEEP_MS = 30_000;

/** Who cleans up: on the incident's resolution and the timeline event. */
export const DRILL_SWEEP_ACTOR: Actor = { platform: 'system', id: 'drill-sweep', name: 'drill sweep' };

export interface DrillSweepDeps {
  config: FirebreakConfig;
  ports: AlertsPorts;
  /** The webhooks' ingestion (ingestNotification), which may also wake the outbox worker. */
  ingest: (n: AlertNotification) => Promise<IngestResult>;
  incidents?: DrillIncidents;
  /** Test knob: how long after its start a drill still firing counts as abandoned. */
  abandonedAfterMs?: number;
  now?: () => Date;
}

export interface SweptDrill {
  drill: string;
  groupId: string;
  incidentId: string | null;
  /** What became of its incident: resolved now (or already), kept open as the drill asked, none declared, or why not. */
  incident: 'resolved' | 'kept' | 'none' | { problem: string };
}

/** One pass: every abandoned drill cleaned up; those another replica (or the drill itself) cleaned up first are left out. */
export async function sweepAbandonedDrills(deps: DrillSweepDeps): Promise<{ swept: SweptDrill[] }> {
  const afterMs = deps.abandonedAfterMs ?? DRILL_ABANDONED_AFTER_MS;
  const now = deps.now?.() ?? new Date();
  const groups = await deps.ports.alerts.firing({ source: DRILL_SOURCE, firedBefore: new Date(now.getTime() - afterMs), limit: 100 });
  const swept: SweptDrill[] = [];
  for (const g of groups) {
    try {
      const s = await sweepOne(deps, g, afterMs);
      if (s) swept.push(s);
    } catch (err) {
      // One drill that cannot be cleaned up (the store away, its incident refused) is retried next pass; the others go on.
      const why = deps.ports.redactor.redact(err instanceof Error ? err.message : String(err));
      deps.ports.logger.warn({ group: g.id, drill: drillIdOf(g), err: why }, `drill sweep: drill ${drillIdOf(g)} (alert group ${g.id}) could not be cleaned up yet: ${why}`);
    }
  }
  return { swept };
}

async function sweepOne(deps: DrillSweepDeps, g: AlertGroup, afterMs: number): Promise<SweptDrill | null> {
  const { ports } = deps;
  const drill = drillIdOf(g);
  const invocationId = `drill:${drill}`;
  const kept = g.commonAnnotations[DRILL_KEEP_INCIDENT] === 'true';
  let incident: SweptDrill['incident'] = 'none';
  if (g.incidentId !== null) {
    if (kept) incident = 'kept';
    else if (!deps.incidents) incident = { problem: 'incidents are not available here' };
    else {
      const r = await deps.incidents.resolve(g.incidentId, DRILL_SWEEP_ACTOR, invocationId, 'The drill’s runner stopped before the drill ended; the drill sweep resolved its incident.');
      incident = r.problem === null ? 'resolved' : { problem: r.problem };
    }
  }
  const r = await deps.ingest(drillSweptNotification(g, new Date(g.firstFiredAt.getTime() + afterMs)));
  // Someone else resolved it first: another replica's sweep (whose event this would repeat), or the drill itself, late but alive.
  if (!r.stored || r.transition !== 'resolved') return null;

  const lines = [
    `alert group ${g.id} resolved: it was still firing ${Math.round(afterMs / 60_000) || '<1'} min after the drill started`,
    ...(g.incidentId === null
      ? []
      : [
          incident === 'resolved'
            ? `incident ${g.incidentId} resolved`
            : incident === 'kept'
              ? `incident ${g.incidentId} kept open, as the drill asked: resolve it with /incident resolve`
              : `incident ${g.incidentId} could not be resolved: ${typeof incident === 'object' ? incident.problem : ''}`,
        ]),
  ];
  await ports.timeline.record({
    invocationId,
    incidentId: g.incidentId,
    kind: 'drill.reported',
    actor: DRILL_SWEEP_ACTOR,
    text: `${DRILL_MARK}: cleaned up by the drill sweep — the process running it stopped before the drill ended`,
    output: lines.join('\n'),
    outcome: 'interrupted',
    detail: {
      drill,
      swept: true,
      route: g.route,
      group: g.id,
      startedAt: g.firstFiredAt.toISOString(),
      ...(g.incidentId !== null ? { incident: g.incidentId, incidentOutcome: typeof incident === 'object' ? 'failed' : incident } : {}),
    },
  });
  return { drill, groupId: g.id, incidentId: g.incidentId, incident };
}
