import type { MaintenanceStore, MaintenanceWindow } from '../alerts/maintenance.js';
import type { Db } from './db.js';

interface Row {
  id: string | number;
  config_name: string | null;
  services: string[];
  reason: string;
  starts_at: Date;
  ends_at: Date;
  ended_at: Date | null;
  ended_by: string | null;
  created_by: string;
  notice_h: number;
}

const toWindow = (r: Row): MaintenanceWindow => ({
  id: String(r.id),
  configName: r.config_name,
  services: r.services,
  reason: r.reason,
  startsAt: new Date(r.starts_at),
  endsAt: new Date(r.ends_at),
  endedAt: r.ended_at ? new Date(r.ended_at) : null,
  endedBy: r.ended_by,
  createdBy: r.created_by,
  noticeH: Number(r.notice_h),
});

const COLUMNS = 'id, config_name, services, reason, starts_at, ends_at, ended_at, ended_by, created_by, notice_h';
const FLAG = { notice: 'noticed', start: 'announced_start', end: 'announced_end' } as const;
const RECORDED = { start: 'recorded_start', end: 'recorded_end' } as const;

/** When a window stops holding anything: its end, or when it was ended early. */
const effectiveEnd = (w: MaintenanceWindow) => (w.endedAt && w.endedAt < w.endsAt ? w.endedAt : w.endsAt);

/**
 * The embedded store's windows that were still on or to come when read (`since`), kept in memory:
 * every firing webhook asks which windows hold now, and on the embedded store that was a statement
 * of its own per webhook on the store's one thread. Only the embedded store is read once: one
 * process owns it (the data-dir lock) and every write to maintenance_windows is in this file, so
 * a create or an end here drops what was kept. Shared by every repository on the same store.
 * `generation` counts those writes: a read that began before one is not kept.
 */
const kept = new WeakMap<Db, { generation: number; since: Date | null; windows: MaintenanceWindow[] }>();

/** Maintenance windows (161_maintenance_windows, 241_maintenance_recorded). */
export class SqlMaintenanceRepository implements MaintenanceStore {
  constructor(private readonly db: Db) {}

  private keptState() {
    let k = kept.get(this.db);
    if (!k) kept.set(this.db, (k = { generation: 0, since: null, windows: [] }));
    return k;
  }

  /** A window was stored or changed: what was kept is read again the next time. */
  private changed(): void {
    const k = this.keptState();
    k.generation++;
    k.since = null;
  }

  async create(w: Omit<MaintenanceWindow, 'id' | 'endedAt' | 'endedBy'>): Promise<MaintenanceWindow> {
    // A configured occurrence noticed by two replicas at once is stored once: the second gets the first's row.
    const rows = await this.db.query<Row>(
      `INSERT INTO maintenance_windows (config_name, services, reason, starts_at, ends_at, created_by, notice_h)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (config_name, starts_at) DO NOTHING
       RETURNING ${COLUMNS}`,
      [w.configName, JSON.stringify(w.services), w.reason, w.startsAt, w.endsAt, w.createdBy, w.noticeH],
    );
    if (rows[0]) {
      this.changed();
      return toWindow(rows[0]);
    }
    const [existing] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM maintenance_windows WHERE config_name = $1 AND starts_at = $2`, [w.configName, w.startsAt]);
    return toWindow(existing!);
  }

  async overlapping(from: Date, to: Date): Promise<MaintenanceWindow[]> {
    if (this.db.kind === 'pglite') {
      const k = this.keptState();
      if (k.since === null) {
        const generation = k.generation;
        const since = new Date();
        const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM maintenance_windows WHERE LEAST(ends_at, COALESCE(ended_at, ends_at)) > $1 ORDER BY starts_at, id`, [since]);
        if (k.generation === generation) Object.assign(k, { since, windows: rows.map(toWindow) });
      }
      // Every window on at some point from `since` on is kept; a question about earlier times is asked of the store.
      if (k.since !== null && from >= k.since) return k.windows.filter((w) => w.startsAt <= to && effectiveEnd(w) > from);
    }
    const rows = await this.db.query<Row>(
      `SELECT ${COLUMNS} FROM maintenance_windows
       WHERE starts_at <= $2 AND LEAST(ends_at, COALESCE(ended_at, ends_at)) > $1
       ORDER BY starts_at, id`,
      [from, to],
    );
    return rows.map(toWindow);
  }

  async get(id: string): Promise<MaintenanceWindow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const [row] = await this.db.query<Row>(`SELECT ${COLUMNS} FROM maintenance_windows WHERE id = $1`, [id]);
    return row ? toWindow(row) : null;
  }

  async end(id: string, at: Date, by: string): Promise<MaintenanceWindow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    // A window that has not started yet is ended too: it then never holds anything.
    const [row] = await this.db.query<Row>(
      `UPDATE maintenance_windows SET ended_at = GREATEST(LEAST($2::timestamptz, ends_at), starts_at), ended_by = $3
       WHERE id = $1 AND ended_at IS NULL AND ends_at > $2
       RETURNING ${COLUMNS}`,
      [id, at, by],
    );
    if (!row) return null;
    this.changed();
    return toWindow(row);
  }

  async claimAnnouncement(id: string, kind: 'notice' | 'start' | 'end'): Promise<boolean> {
    const flag = FLAG[kind];
    const rows = await this.db.query(`UPDATE maintenance_windows SET ${flag} = true WHERE id = $1 AND NOT ${flag} RETURNING id`, [id]);
    return rows.length > 0;
  }

  async claimRecord(id: string, kind: 'start' | 'end'): Promise<boolean> {
    if (!/^\d{1,18}$/.test(id)) return false;
    const flag = RECORDED[kind];
    const rows = await this.db.query(`UPDATE maintenance_windows SET ${flag} = true WHERE id = $1 AND NOT ${flag} RETURNING id`, [id]);
    return rows.length > 0;
  }
}
