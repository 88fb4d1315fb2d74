import type { AlertStore, GroupRouting, IngestResult } from '../alerts/alert-store.js';
import { drillMarked } from '../alerts/drill-alert.js';
import type { HeldBy } from '../alerts/maintenance.js';
import { notificationDedupeKey, notificationStateKey } from '../alerts/dedupe-key.js';
import { storableJson } from '../alerts/storable.js';
import type { Acknowledgement, AlertGroup, AlertNotification, AlertSource, AlertStatus, DiagnosisState, IncomingAlert, StoredAlert } from '../alerts/model.js';
import type { Actor } from '../core/identity.js';
import type { Timeline, TimelineRepository } from '../core/timeline.js';
import type { Db, Queryable } from './db.js';
import { SqlTimelineRepository, timelineInsertSql } from './timeline-repository.js';
import { MARK_DIRTY_SQL, markGroupDirty, markGroupDirtyIn, type IncidentChannel } from './alert-outbox.js';
import { groupTransition, startsNewEpisode } from '../alerts/group-transitions.js';
import { groupEvent, groupLabels, groupName } from '../alerts/group-events.js';

interface GroupRow {
  id: string;
  diagnosis?: { state: DiagnosisState; note: string | null } | null;
  group_key: string;
  source: AlertSource;
  status: AlertStatus;
  alertname: string;
  service: string | null;
  severity: string | null;
  channel: string;
  route: number | null;
  common_labels: Record<string, string>;
  common_annotations: Record<string, string>;
  first_fired_at: Date;
  last_change_at: Date;
  resolved_at: Date | null;
  acknowledged: { by: Actor; at: string } | null;
  silence: { id: string; until: string; by: string } | null;
  escalated: number[];
  incident_id: string | null;
  maintenance: { id: string; reason: string; until: string } | null;
  episode?: number | string;
  version: number;
  firing_count: number | string;
  resolved_count: number | string;
  last_dedupe_key?: string | null;
  last_state_key?: string | null;
  inserted?: boolean;
}

interface AlertRow {
  fingerprint: string;
  status: AlertStatus;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  starts_at: Date;
  ends_at: Date | null;
  generator_url: string | null;
  dashboard_url: string | null;
  panel_url: string | null;
  values: Record<string, number> | null;
  seen: number;
}

/** What a group's row does not hold: its alerts counted, its diagnosis (of `alert_groups g`). */
const GROUP_EXTRAS = `(SELECT count(*) FROM alerts a WHERE a.group_id = g.id AND a.status = 'firing') AS firing_count,
  (SELECT count(*) FROM alerts a WHERE a.group_id = g.id AND a.status = 'resolved') AS resolved_count,
  (SELECT json_build_object('state', d.state, 'note', d.note) FROM alert_diagnoses d WHERE d.group_id = g.id AND d.episode = g.episode) AS diagnosis`;

const SELECT_GROUP = `SELECT g.*, ${GROUP_EXTRAS} FROM alert_groups g`;

/** A notification's alerts, inserted or updated in their group (upsertAlerts). */
const ALERTS_UPSERT_SQL = `WITH n AS (
       SELECT * FROM jsonb_to_recordset($2::jsonb) AS n(fingerprint text, status text, labels jsonb, annotations jsonb, starts_at timestamptz, starts_unknown boolean,
         ends_at timestamptz, generator_url text, dashboard_url text, panel_url text, "values" jsonb, seen integer))
     INSERT INTO alerts (group_id, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, dashboard_url, panel_url, "values", seen)
     SELECT $1, fingerprint, status, labels, annotations, starts_at, ends_at, generator_url, dashboard_url, panel_url, "values", seen FROM n
     ON CONFLICT (group_id, fingerprint) DO UPDATE SET status = EXCLUDED.status, labels = EXCLUDED.labels, annotations = EXCLUDED.annotations,
       starts_at = CASE WHEN (SELECT n.starts_unknown FROM n WHERE n.fingerprint = EXCLUDED.fingerprint) THEN alerts.starts_at ELSE EXCLUDED.starts_at END,
       ends_at = EXCLUDED.ends_at, generator_url = EXCLUDED.generator_url, dashboard_url = EXCLUDED.dashboard_url,
       panel_url = EXCLUDED.panel_url, "values" = EXCLUDED."values", seen = alerts.seen + EXCLUDED.seen, updated_at = now()`;

/** A notification's group, inserted or locked, and whether the notification is new (ingest). */
const GROUP_UPSERT_SQL = `WITH known AS (SELECT id FROM alert_groups WHERE group_key = $1),
         counter AS (SELECT n FROM counters WHERE name = 'alert_groups' AND NOT EXISTS (SELECT 1 FROM known) FOR UPDATE OF counters),
         upserted AS (
           INSERT INTO alert_groups (id, group_key, source, status, alertname, service, severity, channel, route, common_labels, common_annotations, first_fired_at, last_change_at)
           SELECT COALESCE((SELECT id FROM known), (SELECT n + 1 FROM counter)), $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::text, $8::integer, $9::jsonb, $10::jsonb, $11::timestamptz, now()
           ON CONFLICT (group_key) DO UPDATE SET group_key = EXCLUDED.group_key
           RETURNING *, (xmax = 0) AS inserted),
         taken AS (UPDATE counters SET n = upserted.id FROM upserted, counter WHERE counters.name = 'alert_groups' AND upserted.inserted),
         notified AS (
           INSERT INTO alert_notifications (dedupe_key, group_id)
           SELECT $12::text, id FROM upserted WHERE last_dedupe_key IS DISTINCT FROM $12::text
           ON CONFLICT (dedupe_key) DO UPDATE SET received_at = now() WHERE (SELECT last_state_key FROM upserted) = $13::text
           RETURNING 1)
         SELECT *, 0 AS firing_count, 0 AS resolved_count, EXISTS (SELECT 1 FROM notified) AS stored FROM upserted`;

/** The group as the notification leaves it, with its open incident's channel (ingest). */
const GROUP_UPDATE_SQL = `UPDATE alert_groups g SET status = $2, severity = $3, channel = $4, route = $5, common_labels = $6, common_annotations = $7,
             last_change_at = now(), resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END,
             first_fired_at = CASE WHEN $8 THEN $9 ELSE first_fired_at END,
             acknowledged = CASE WHEN $8 THEN NULL ELSE acknowledged END,
             escalated = CASE WHEN $8 THEN '[]'::jsonb ELSE escalated END,
             episode = episode + CASE WHEN $8 THEN 1 ELSE 0 END,
             version = version + CASE WHEN $10 THEN 0 ELSE 1 END,
             last_dedupe_key = $11, last_state_key = $12,
             maintenance = CASE WHEN $13::jsonb IS NOT NULL THEN $13::jsonb WHEN $8 THEN NULL ELSE maintenance END
           WHERE g.id = $1
           RETURNING g.*, ${GROUP_EXTRAS},
             (SELECT i.channel FROM incidents i WHERE i.id = g.incident_id AND i.status <> 'resolved') AS incident_channel,
             EXISTS (SELECT 1 FROM incidents i WHERE i.service = g.service AND i.status <> 'resolved') AS service_incident_open`;

/**
 * What a firing webhook runs, by the exact texts sent: prepared when the embedded store opens
 * (warm-store.ts), so the first webhook after a start does not parse and analyse them cold.
 */
export const INGEST_STATEMENTS: readonly string[] = [GROUP_UPSERT_SQL, ALERTS_UPSERT_SQL, GROUP_UPDATE_SQL, MARK_DIRTY_SQL, timelineInsertSql(1)];

function toGroup(r: GroupRow): AlertGroup {
  const ack: Acknowledgement | null = r.acknowledged ? { by: r.acknowledged.by, at: new Date(r.acknowledged.at) } : null;
  return {
    id: String(r.id),
    groupKey: r.group_key,
    source: r.source,
    status: r.status,
    alertname: r.alertname,
    service: r.service,
    severity: r.severity,
    channel: r.channel,
    route: r.route,
    commonLabels: r.common_labels ?? {},
    commonAnnotations: r.common_annotations ?? {},
    firstFiredAt: new Date(r.first_fired_at),
    lastChangeAt: new Date(r.last_change_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    acknowledged: ack,
    silence: r.silence ? { id: r.silence.id, until: new Date(r.silence.until), by: r.silence.by } : null,
    escalated: r.escalated ?? [],
    incidentId: r.incident_id,
    maintenance: r.maintenance ? { id: r.maintenance.id, reason: r.maintenance.reason, until: new Date(r.maintenance.until) } : null,
    episode: Number(r.episode ?? 1),
    version: r.version,
    firingCount: Number(r.firing_count ?? 0),
    resolvedCount: Number(r.resolved_count ?? 0),
    ...(r.diagnosis ? { diagnosis: { state: r.diagnosis.state, note: r.diagnosis.note } } : {}),
  };
}

function toAlert(r: AlertRow): StoredAlert {
  return {
    fingerprint: r.fingerprint,
    status: r.status,
    labels: r.labels,
    annotations: r.annotations ?? {},
    startsAt: new Date(r.starts_at),
    endsAt: r.ends_at ? new Date(r.ends_at) : null,
    generatorUrl: r.generator_url,
    dashboardUrl: r.dashboard_url,
    panelUrl: r.panel_url,
    values: r.values,
    seen: r.seen,
  };
}

// Postgres rejects NUL and lone surrogates in jsonb. The webhooks' payloads are cleaned as they are
// parsed; this covers every other way in (the health watch), string by string, never on JSON text.
const clean = storableJson;

/**
 * A notification's alerts in one statement (one round trip, however many alerts it carries), each
 * stored as the alert's latest state: inserted, or updated with `seen` counted up. The same
 * fingerprint twice in one notification is one alert, as if its occurrences had been stored one
 * after the other: the last one's state, seen once per occurrence, and the start of the last one
 * that knows its start (an unknown start keeps the start first stored, so a repeat does not move it
 * to now). One statement may not update a row twice, so they are folded here first.
 */
async function upsertAlerts(q: Queryable, groupId: string, alerts: readonly IncomingAlert[]): Promise<void> {
  const folded = new Map<string, { a: IncomingAlert; startsAt: Date; startsUnknown: boolean; seen: number }>();
  for (const a of alerts) {
    const prev = folded.get(a.fingerprint);
    const known = a.startsAtUnknown !== true;
    if (!prev) folded.set(a.fingerprint, { a, startsAt: a.startsAt, startsUnknown: !known, seen: 1 });
    else folded.set(a.fingerprint, { a, startsAt: known ? a.startsAt : prev.startsAt, startsUnknown: known ? false : prev.startsUnknown, seen: prev.seen + 1 });
  }
  const rows = [...folded.values()].map(({ a, startsAt, startsUnknown, seen }) => ({
    fingerprint: a.fingerprint,
    status: a.status,
    labels: clean(a.labels),
    annotations: clean(a.annotations),
    starts_at: startsAt.toISOString(),
    starts_unknown: startsUnknown,
    ends_at: a.endsAt ? a.endsAt.toISOString() : null,
    generator_url: a.generatorUrl,
    dashboard_url: a.dashboardUrl ?? null,
    panel_url: a.panelUrl ?? null,
    values: a.values ? clean(a.values) : null,
    seen,
  }));
  if (rows.length === 0) return;
  await q.query(
    ALERTS_UPSERT_SQL,
    [groupId, JSON.stringify(rows)],
  );
}

/** A group id as the store makes them; anything else (a forged button's) names no group. */
const GROUP_ID = /^\d{1,18}$/;

const SYSTEM = (source: string): Actor => ({ platform: 'system', id: source, name: source });

/**
 * Alert groups in PostgreSQL or PGlite. Each change and what it causes (its timeline event, its
 * card marked dirty in the outbox) commit together in one transaction.
 */
export class SqlAlertStore implements AlertStore {
  constructor(
    private readonly db: Db,
    private readonly recorder: (repo: TimelineRepository) => Timeline,
  ) {}

  ingest(n: AlertNotification, routing: GroupRouting, platforms: readonly string[]): Promise<IngestResult> {
    const dedupeKey = notificationDedupeKey(n);
    const stateKey = notificationStateKey(n);
    const labels = groupLabels(n);
    const name = groupName(n);
    const { alertname, service } = name;
    const firedAt = new Date(Math.min(...n.alerts.map((a) => a.startsAt.getTime())));
    return this.db.transaction(async (q) => {
      // Inserted, or locked for this transaction: two replicas receiving the same group serialize
      // here. A group's number is taken from the counter only when the group is new (the counter's
      // row locked, then set to the number used), so numbers stay consecutive (120_counters.sql); a
      // replica that lost the race to insert it leaves the counter as it was.
      // With the group's row locked, its latest keys are the latest committed (104_alert_updates.sql),
      // and they say whether this notification is a repeat: equal to the group's latest; or of
      // another state whose key is stored already (a late HA twin). The latest state told with
      // other content is stored again (received now). Not a repeat: its key is stored (`stored`).
      // All of it in one statement: one round trip to the store, whatever the case.
      const [upserted] = await q.query<GroupRow & { stored: boolean }>(
        GROUP_UPSERT_SQL,
        [n.groupKey, n.source, n.status, alertname, service, routing.severity, routing.channel, routing.route, clean(labels), clean(n.commonAnnotations), firedAt, dedupeKey, stateKey],
      );
      const before = toGroup(upserted!);
      const inserted = upserted!.inserted === true;
      if (!upserted!.stored) return { group: (await this.getIn(q, before.id))!, stored: false, transition: 'none' };

      // Sent now, not awaited until the group's update is sent behind it: the store runs them in
      // order (the update counts the alerts just written), and the two answers come back together
      // (one wake-up of each thread instead of two on the embedded store; docs/benchmarks.md).
      const alertsWritten = upsertAlerts(q, before.id, n.alerts);
      const transition = groupTransition(inserted ? null : before.status, n.status);
      const held = n.status === 'firing' ? (routing.maintenance ?? null) : null;
      // Held anew: by another window than before, or in a new episode.
      const newlyHeld = held !== null && (inserted || startsNewEpisode(transition) || before.maintenance?.id !== held.id);
      // A new episode (it fired again) clears the acknowledgement and escalation steps, restarts
      // first_fired_at and counts the episode (its diagnosis is decided anew: 240_alert_diagnosis_episodes.sql).
      const refired = startsNewEpisode(transition);
      // The group as it now is (what getIn reads), and its open incident's channel for the card's copy there.
      const [[updated]] = await Promise.all([
        q.query<GroupRow & { incident_channel: IncidentChannel; service_incident_open: boolean }>(
          GROUP_UPDATE_SQL,
          [before.id, n.status, routing.severity, routing.channel, routing.route, clean(labels), clean(n.commonAnnotations), refired, firedAt, inserted, dedupeKey, stateKey, held ? JSON.stringify({ id: held.id, reason: held.reason, until: held.until.toISOString() }) : null],
        ),
        alertsWritten,
      ]);
      const group = toGroup(updated!);
      const event = groupEvent(n, name, group);
      // The card's outbox rows and the timeline row, sent together in the same way (neither reads the other).
      const marked = markGroupDirtyIn(q, before.id, routing.channel, platforms, updated!.incident_channel);
      const recorded = this.recorder(new SqlTimelineRepository(q)).record({
        invocationId: `alert-group:${group.id}`,
        incidentId: group.incidentId,
        service: group.service,
        kind: event.kind,
        actor: SYSTEM(n.source),
        text: event.text,
        outcome: n.status,
        detail: { group: group.id, groupKey: n.groupKey, transition, alerts: n.alerts.length, severity: group.severity, channel: group.channel },
      });
      await Promise.all([marked, recorded]);
      if (newlyHeld) {
        await this.recorder(new SqlTimelineRepository(q)).record({
          invocationId: `alert-group:${group.id}`,
          incidentId: group.incidentId,
          kind: 'alert.held',
          actor: SYSTEM(n.source),
          text: `${name.service ? `${alertname} (${name.service})` : alertname} held by maintenance window #${held.id} until ${held.until.toISOString().slice(11, 16)} UTC: ${held.reason}`,
          outcome: 'held',
          detail: { group: group.id, window: held.id, until: held.until.toISOString(), reason: 'maintenance' },
        });
      }
      return { group, stored: true, transition, held: newlyHeld, serviceIncidentOpen: updated!.service_incident_open === true };
    });
  }

  async get(id: string): Promise<AlertGroup | null> {
    return this.getIn(this.db, id);
  }

  async getMany(ids: readonly string[]): Promise<AlertGroup[]> {
    const valid = [...new Set(ids)].filter((id) => GROUP_ID.test(id));
    if (valid.length === 0) return [];
    const rows = await this.db.query<GroupRow>(`${SELECT_GROUP} WHERE g.id = ANY($1::bigint[])`, [valid]);
    return rows.map(toGroup);
  }

  async alerts(groupId: string, limit = 50): Promise<StoredAlert[]> {
    const rows = await this.db.query<AlertRow>(`SELECT * FROM alerts WHERE group_id = $1 ORDER BY (status = 'firing') DESC, starts_at ASC LIMIT $2`, [groupId, limit]);
    return rows.map(toAlert);
  }

  async firing(filter: { service?: string; source?: AlertSource; firedBefore?: Date; limit?: number } = {}): Promise<AlertGroup[]> {
    const params: unknown[] = [filter.limit ?? 100];
    let where = `g.status = 'firing'`;
    if (filter.service) {
      params.push(filter.service);
      where += ` AND g.service = $${params.length}`;
    }
    if (filter.source) {
      params.push(filter.source);
      where += ` AND g.source = $${params.length}`;
    }
    if (filter.firedBefore) {
      params.push(filter.firedBefore);
      where += ` AND g.first_fired_at <= $${params.length}`;
    }
    const rows = await this.db.query<GroupRow>(`${SELECT_GROUP} WHERE ${where} ORDER BY g.first_fired_at DESC LIMIT $1`, params);
    return rows.map(toGroup);
  }

  acknowledge(id: string, by: Actor, platforms: readonly string[]): Promise<{ group: AlertGroup; first: boolean } | null> {
    return this.db.transaction(async (q) => {
      const ack = { by: { platform: by.platform, id: by.id, name: by.name }, at: new Date().toISOString() };
      const changed = await q.query<{ id: string; channel: string }>(
        `UPDATE alert_groups SET acknowledged = $2, version = version + 1 WHERE id = $1 AND acknowledged IS NULL RETURNING id, channel`,
        [id, JSON.stringify(ack)],
      );
      const group = await this.getIn(q, id);
      if (!group) return null;
      if (changed.length === 0) return { group, first: false };
      await this.markDirty(q, id, group.channel, platforms);
      await this.recordChange(q, group, 'alert.acknowledged', by, `${group.alertname} acknowledged by ${by.name}`);
      return { group, first: true };
    });
  }

  setSilence(id: string, silence: { id: string; until: Date; by: Actor }, platforms: readonly string[]): Promise<AlertGroup | null> {
    return this.db.transaction(async (q) => {
      const value = { id: silence.id, until: silence.until.toISOString(), by: silence.by.name };
      const changed = await q.query(`UPDATE alert_groups SET silence = $2, version = version + 1 WHERE id = $1 RETURNING id`, [id, JSON.stringify(value)]);
      if (changed.length === 0) return null;
      const group = (await this.getIn(q, id))!;
      await this.markDirty(q, id, group.channel, platforms);
      await this.recordChange(q, group, 'alert.silenced', silence.by, `${group.alertname} silenced until ${value.until} by ${silence.by.name} (silence ${silence.id})`, { silence: silence.id, until: value.until });
      return group;
    });
  }

  markEscalated(id: string, step: number, platforms: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const changed = await q.query(
        `UPDATE alert_groups SET escalated = escalated || $2::jsonb, version = version + 1
         WHERE id = $1 AND status = 'firing' AND acknowledged IS NULL AND NOT (escalated @> $2::jsonb) RETURNING id`,
        [id, JSON.stringify([step])],
      );
      if (changed.length === 0) return false;
      const group = (await this.getIn(q, id))!;
      await this.markDirty(q, id, group.channel, platforms);
      await this.recordChange(q, group, 'alert.escalated', SYSTEM('escalation'), `${group.alertname}: escalation step ${step + 1}`, { step });
      return true;
    });
  }

  async unacknowledgedFiring(firedBefore: Date, stepCount = Number.MAX_SAFE_INTEGER): Promise<AlertGroup[]> {
    const rows = await this.db.query<GroupRow>(
      `${SELECT_GROUP} WHERE g.status = 'firing' AND g.acknowledged IS NULL AND g.first_fired_at <= $1 AND jsonb_array_length(g.escalated) < $2 ORDER BY g.first_fired_at ASC LIMIT 1000`,
      [firedBefore, Math.min(stepCount, 2_147_483_647)],
    );
    return rows.map(toGroup);
  }

  async heldBy(windowId: string): Promise<AlertGroup[]> {
    const rows = await this.db.query<GroupRow>(`${SELECT_GROUP} WHERE g.status = 'firing' AND g.maintenance->>'id' = $1 ORDER BY g.id LIMIT 1000`, [windowId]);
    return rows.map(toGroup);
  }

  moveHold(id: string, fromWindow: string, to: HeldBy | null, platforms: readonly string[]): Promise<AlertGroup | null> {
    return this.db.transaction(async (q) => {
      const value = to ? JSON.stringify({ id: to.id, reason: to.reason, until: to.until.toISOString() }) : null;
      const changed = await q.query(
        `UPDATE alert_groups SET maintenance = $3::jsonb, version = version + 1 WHERE id = $1 AND maintenance->>'id' = $2 RETURNING id`,
        [id, fromWindow, value],
      );
      if (changed.length === 0) return null;
      const group = (await this.getIn(q, id))!;
      await this.markDirty(q, id, group.channel, platforms);
      if (to && group.status === 'firing') {
        // Held on by another window of its service: a hold of its own, as at ingest.
        await this.recorder(new SqlTimelineRepository(q)).record({
          invocationId: `alert-group:${group.id}`,
          incidentId: group.incidentId,
          kind: 'alert.held',
          actor: SYSTEM('maintenance'),
          text: `${group.service ? `${group.alertname} (${group.service})` : group.alertname} held by maintenance window #${to.id} until ${to.until.toISOString().slice(11, 16)} UTC: ${to.reason}`,
          outcome: 'held',
          detail: { group: group.id, window: to.id, until: to.until.toISOString(), reason: 'maintenance' },
        });
      }
      return group;
    });
  }

  private async getIn(q: Queryable, id: string): Promise<AlertGroup | null> {
    // Ids come from button action ids anyone could forge: not a number is simply no group.
    if (!GROUP_ID.test(id)) return null;
    const [row] = await q.query<GroupRow>(`${SELECT_GROUP} WHERE g.id = $1`, [id]);
    return row ? toGroup(row) : null;
  }

  /** The card must be shown again: one outbox row per platform, a newer change only bumps it. */
  private markDirty(q: Queryable, groupId: string, channel: string, platforms: readonly string[]): Promise<void> {
    return markGroupDirty(q, groupId, channel, platforms);
  }

  private async recordChange(q: Queryable, group: AlertGroup, kind: 'alert.acknowledged' | 'alert.silenced' | 'alert.escalated', actor: Actor, text: string, detail: Record<string, string | number> = {}): Promise<void> {
    text = drillMarked(group, text);
    await this.recorder(new SqlTimelineRepository(q)).record({
      invocationId: `alert-group:${group.id}`,
      incidentId: group.incidentId,
      service: group.service,
      kind,
      actor,
      text,
      outcome: 'ok',
      detail: { group: group.id, groupKey: group.groupKey, ...detail },
    });
  }
}
