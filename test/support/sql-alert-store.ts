/**
 * A small AlertStore over migration 090's tables, for tests of the cards, Acknowledge and the outbox
 * worker until the real SQL store (src/store/alert-repository.ts) is on main. It writes rows the
 * way a webhook's transaction would: the group, its alerts and the outbox rows together.
 */
import type { AlertStore } from '../../src/alerts/alert-store.js';
import { groupMessageKey } from '../../src/alerts/alert-store.js';
import type { AlertGroup, AlertStatus, StoredAlert } from '../../src/alerts/model.js';
import type { Actor } from '../../src/core/identity.js';
import type { Db, Queryable } from '../../src/store/db.js';
import { markDirty } from '../../src/store/outbox-repository.js';

interface GroupRow {
  id: string | number;
  group_key: string;
  source: AlertGroup['source'];
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
  version: number;
  firing: number;
  resolved: number;
}

const SELECT = `SELECT g.*, (SELECT count(*)::integer FROM alerts a WHERE a.group_id = g.id AND a.status = 'firing') AS firing,
  (SELECT count(*)::integer FROM alerts a WHERE a.group_id = g.id AND a.status = 'resolved') AS resolved FROM alert_groups g`;

function toGroup(r: GroupRow): AlertGroup {
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
    commonLabels: r.common_labels,
    commonAnnotations: r.common_annotations,
    firstFiredAt: new Date(r.first_fired_at),
    lastChangeAt: new Date(r.last_change_at),
    resolvedAt: r.resolved_at ? new Date(r.resolved_at) : null,
    acknowledged: r.acknowledged ? { by: r.acknowledged.by, at: new Date(r.acknowledged.at) } : null,
    silence: r.silence ? { id: r.silence.id, until: new Date(r.silence.until), by: r.silence.by } : null,
    escalated: r.escalated,
    incidentId: r.incident_id,
    version: r.version,
    firingCount: r.firing,
    resolvedCount: r.resolved,
  };
}

export interface TestGroup {
  key: string;
  alertname: string;
  service?: string | null;
  severity?: string | null;
  channel?: string;
  route?: number | null;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Alerts by fingerprint; default one firing alert "fp1". */
  alerts?: { fingerprint: string; status: AlertStatus; labels?: Record<string, string>; annotations?: Record<string, string> }[];
  firstFiredAt?: Date;
}

export class TestAlertStore implements AlertStore {
  constructor(
    private readonly db: Db,
    /** The platforms whose cards every change marks dirty. */
    private readonly platforms: readonly string[] = ['console'],
  ) {}

  /** Stores a group's state (insert or update) and its alerts, and marks its cards dirty: one transaction. */
  async put(g: TestGroup): Promise<AlertGroup> {
    const alerts = g.alerts ?? [{ fingerprint: 'fp1', status: 'firing' as const }];
    const status: AlertStatus = alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved';
    const labels = g.labels ?? { alertname: g.alertname, ...(g.service ? { service: g.service } : {}) };
    const id = await this.db.transaction(async (q) => {
      const rows = await q.query<{ id: string }>(
        `INSERT INTO alert_groups (group_key, source, status, alertname, service, severity, channel, route, common_labels, common_annotations, first_fired_at, last_change_at, resolved_at)
         VALUES ($1, 'alertmanager', $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), CASE WHEN $2 = 'resolved' THEN now() END)
         ON CONFLICT (group_key) DO UPDATE SET status = EXCLUDED.status, last_change_at = now(), resolved_at = EXCLUDED.resolved_at,
           common_annotations = EXCLUDED.common_annotations, version = alert_groups.version + 1
         RETURNING id`,
        [g.key, status, g.alertname, g.service ?? null, g.severity ?? null, g.channel ?? 'incidents', g.route ?? null, JSON.stringify(labels), JSON.stringify(g.annotations ?? {}), g.firstFiredAt ?? new Date()],
      );
      const groupId = String(rows[0]!.id);
      for (const a of alerts) {
        await q.query(
          `INSERT INTO alerts (group_id, fingerprint, status, labels, annotations, starts_at, ends_at)
           VALUES ($1, $2, $3, $4, $5, now(), CASE WHEN $3 = 'resolved' THEN now() END)
           ON CONFLICT (group_id, fingerprint) DO UPDATE SET status = EXCLUDED.status, ends_at = EXCLUDED.ends_at, annotations = EXCLUDED.annotations, seen = alerts.seen + 1, updated_at = now()`,
          [groupId, a.fingerprint, a.status, JSON.stringify({ ...labels, ...(a.labels ?? {}) }), JSON.stringify(a.annotations ?? {})],
        );
      }
      await this.dirty(q, groupId, g.channel ?? 'incidents');
      return groupId;
    });
    return (await this.get(id))!;
  }

  private async dirty(q: Queryable, groupId: string, channel: string): Promise<void> {
    for (const p of this.platforms) await markDirty(q, groupMessageKey(groupId), p, channel);
  }

  ingest(): never {
    throw new Error('TestAlertStore does not ingest notifications; use put()');
  }

  async get(id: string): Promise<AlertGroup | null> {
    if (!/^\d+$/.test(id)) return null;
    const rows = await this.db.query<GroupRow>(`${SELECT} WHERE g.id = $1`, [id]);
    return rows[0] ? toGroup(rows[0]) : null;
  }

  async alerts(groupId: string, limit = 100): Promise<StoredAlert[]> {
    const rows = await this.db.query<{
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
    }>('SELECT * FROM alerts WHERE group_id = $1 ORDER BY fingerprint LIMIT $2', [groupId, limit]);
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      status: r.status,
      labels: r.labels,
      annotations: r.annotations,
      startsAt: new Date(r.starts_at),
      endsAt: r.ends_at ? new Date(r.ends_at) : null,
      generatorUrl: r.generator_url,
      dashboardUrl: r.dashboard_url,
      panelUrl: r.panel_url,
      values: r.values,
      seen: r.seen,
    }));
  }

  async firing(filter: { service?: string; limit?: number } = {}): Promise<AlertGroup[]> {
    const rows = await this.db.query<GroupRow>(`${SELECT} WHERE g.status = 'firing' AND ($1::text IS NULL OR g.service = $1) ORDER BY g.first_fired_at DESC LIMIT $2`, [
      filter.service ?? null,
      filter.limit ?? 1000,
    ]);
    return rows.map(toGroup);
  }

  async acknowledge(id: string, by: Actor, platforms: readonly string[]): Promise<{ group: AlertGroup; first: boolean } | null> {
    if (!/^\d+$/.test(id)) return null;
    const first = await this.db.transaction(async (q) => {
      const rows = await q.query<{ channel: string }>(
        `UPDATE alert_groups SET acknowledged = $2, version = version + 1 WHERE id = $1 AND acknowledged IS NULL RETURNING channel`,
        [id, JSON.stringify({ by: { platform: by.platform, id: by.id, name: by.name }, at: new Date().toISOString() })],
      );
      if (rows[0]) for (const p of platforms) await markDirty(q, groupMessageKey(id), p, rows[0].channel);
      return rows.length > 0;
    });
    const group = await this.get(id);
    return group ? { group, first } : null;
  }

  async setSilence(): Promise<AlertGroup | null> {
    return null;
  }

  async markEscalated(): Promise<boolean> {
    return false;
  }

  async unacknowledgedFiring(): Promise<AlertGroup[]> {
    return [];
  }
}
