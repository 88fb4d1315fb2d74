import type { AlertStore, GroupRouting, IngestResult } from '../../src/alerts/alert-store.js';
import type { AlertGroup, AlertNotification, StoredAlert } from '../../src/alerts/model.js';
import type { Actor } from '../../src/core/identity.js';
import type { Db } from '../../src/store/db.js';

/**
 * A stand-in for the lead's SQL AlertStore (src/store/alert-repository.ts, not on main yet), on the
 * real alert_groups table of migration 090: just what escalation needs (get, acknowledge,
 * markEscalated, unacknowledgedFiring) plus helpers to create and resolve groups, and a recorder of
 * notifications handed to ingest (the health watch's ingest). Each change is one conditional
 * statement, so two replicas on one PostgreSQL race as they would on the real store.
 */
interface Row {
  id: string;
  group_key: string;
  source: AlertGroup['source'];
  status: AlertGroup['status'];
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
}

function toGroup(r: Row): AlertGroup {
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
    firingCount: 0,
    resolvedCount: 0,
  };
}

export class AlertStoreStandIn implements AlertStore {
  /** markEscalated calls that won their claim, in order: (group, step). */
  readonly claims: { groupId: string; step: number }[] = [];

  constructor(private readonly db: Db) {}

  async createGroup(g: { alertname: string; severity?: string | null; service?: string | null; channel?: string; firstFiredAt: Date; annotations?: Record<string, string> }): Promise<AlertGroup> {
    const rows = await this.db.query<Row>(
      `INSERT INTO alert_groups (group_key, source, status, alertname, service, severity, channel, common_labels, common_annotations, first_fired_at, last_change_at)
       VALUES ($1, 'alertmanager', 'firing', $2, $3, $4, $5, $6, $7, $8, $8) RETURNING *`,
      [
        `{}:{alertname="${g.alertname}"}:${Math.random().toString(36).slice(2)}`,
        g.alertname,
        g.service ?? null,
        g.severity ?? null,
        g.channel ?? 'incidents',
        JSON.stringify({ alertname: g.alertname, ...(g.severity ? { severity: g.severity } : {}) }),
        JSON.stringify(g.annotations ?? {}),
        g.firstFiredAt,
      ],
    );
    return toGroup(rows[0]!);
  }

  async resolveGroup(id: string, at: Date): Promise<AlertGroup> {
    const rows = await this.db.query<Row>(`UPDATE alert_groups SET status = 'resolved', resolved_at = $2, last_change_at = $2, version = version + 1 WHERE id = $1 RETURNING *`, [id, at]);
    return toGroup(rows[0]!);
  }

  ingest(_n: AlertNotification, _routing: GroupRouting, _platforms: readonly string[]): Promise<IngestResult> {
    throw new Error('ingest is not part of the stand-in');
  }

  async get(id: string): Promise<AlertGroup | null> {
    const rows = await this.db.query<Row>('SELECT * FROM alert_groups WHERE id = $1', [id]);
    return rows[0] ? toGroup(rows[0]) : null;
  }

  async alerts(): Promise<StoredAlert[]> {
    return [];
  }

  async firing(): Promise<AlertGroup[]> {
    return (await this.db.query<Row>(`SELECT * FROM alert_groups WHERE status = 'firing' ORDER BY first_fired_at DESC`)).map(toGroup);
  }

  async acknowledge(id: string, by: Actor): Promise<{ group: AlertGroup; first: boolean } | null> {
    const rows = await this.db.query<Row>(
      `UPDATE alert_groups SET acknowledged = $2, version = version + 1 WHERE id = $1 AND acknowledged IS NULL RETURNING *`,
      [id, JSON.stringify({ by, at: new Date().toISOString() })],
    );
    if (rows[0]) return { group: toGroup(rows[0]), first: true };
    return null;
  }

  async setSilence(): Promise<AlertGroup | null> {
    throw new Error('setSilence is not part of the stand-in');
  }

  /** Only while it fires unacknowledged, and only once per step: the same conditions as the real store. */
  async markEscalated(id: string, step: number): Promise<boolean> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE alert_groups SET escalated = escalated || $2::jsonb, version = version + 1
        WHERE id = $1 AND status = 'firing' AND acknowledged IS NULL AND NOT escalated @> $2::jsonb RETURNING id`,
      [id, JSON.stringify([step])],
    );
    if (rows.length > 0) this.claims.push({ groupId: id, step });
    return rows.length > 0;
  }

  async unacknowledgedFiring(firedBefore: Date): Promise<AlertGroup[]> {
    const rows = await this.db.query<Row>(`SELECT * FROM alert_groups WHERE status = 'firing' AND acknowledged IS NULL AND first_fired_at <= $1 ORDER BY first_fired_at`, [firedBefore]);
    return rows.map(toGroup);
  }
}
