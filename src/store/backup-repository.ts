import type { BackupRecord, BackupRepository, BackupStatus, TableRows } from '../backups/backup-port.js';
import type { Queryable } from './db.js';

interface Row {
  id: string;
  target: string;
  status: BackupStatus;
  trigger: string;
  requested_by: string;
  started_at: Date;
  finished_at: Date | null;
  size_bytes: string | number | null;
  sha256: string | null;
  duration_ms: number | null;
  location: string | null;
  error: string | null;
  /** jsonb: parsed by pg and PGlite alike; older rows have none. */
  row_counts?: TableRows[] | string | null;
}

function rowCountsOf(v: Row['row_counts']): TableRows[] | null {
  if (v === null || v === undefined) return null;
  const parsed: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  return Array.isArray(parsed) ? (parsed as TableRows[]) : null;
}

function toRecord(r: Row): BackupRecord {
  return {
    id: r.id,
    target: r.target,
    status: r.status,
    trigger: r.trigger,
    requestedBy: r.requested_by,
    startedAt: new Date(r.started_at),
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
    // bigint comes back as a string from pg; a backup is far below 2^53 bytes.
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    sha256: r.sha256,
    durationMs: r.duration_ms,
    location: r.location,
    error: r.error,
    rowCounts: rowCountsOf(r.row_counts),
  };
}

export class SqlBackupRepository implements BackupRepository {
  constructor(private readonly db: Queryable) {}

  async start(input: { id: string; target: string; trigger: string; requestedBy: string; location: string }): Promise<BackupRecord | null> {
    const rows = await this.db.query<Row>(
      `INSERT INTO backups (id, target, status, trigger, requested_by, location)
       VALUES ($1, $2, 'running', $3, $4, $5)
       ON CONFLICT DO NOTHING
       RETURNING *`,
      [input.id, input.target, input.trigger, input.requestedBy, input.location],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async complete(id: string, result: { sizeBytes: number; sha256: string; durationMs: number; rowCounts?: TableRows[] }): Promise<boolean> {
    const rows = await this.db.query(
      // Only a running row changes: one the start-up sweep or shutdown already failed stays failed.
      `UPDATE backups SET status = 'complete', finished_at = now(), size_bytes = $2, sha256 = $3, duration_ms = $4, row_counts = $5::jsonb WHERE id = $1 AND status = 'running' RETURNING id`,
      [id, result.sizeBytes, result.sha256, Math.round(result.durationMs), result.rowCounts ? JSON.stringify(result.rowCounts) : null],
    );
    return rows.length > 0;
  }

  async fail(id: string, error: string, durationMs: number): Promise<void> {
    await this.db.query(`UPDATE backups SET status = 'failed', finished_at = now(), error = $2, duration_ms = $3 WHERE id = $1 AND status = 'running'`, [id, error, Math.round(durationMs)]);
  }

  async get(id: string): Promise<BackupRecord | null> {
    const rows = await this.db.query<Row>('SELECT * FROM backups WHERE id = $1', [id]);
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async list(filter: { target?: string; limit?: number } = {}): Promise<BackupRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM backups WHERE ($1::text IS NULL OR target = $1) ORDER BY started_at DESC, id LIMIT $2`,
      [filter.target ?? null, filter.limit ?? 50],
    );
    return rows.map(toRecord);
  }

  async completeOlderThan(target: string, before: Date): Promise<BackupRecord[]> {
    const rows = await this.db.query<Row>(
      `SELECT * FROM backups WHERE target = $1 AND status = 'complete' AND started_at < $2 ORDER BY started_at`,
      [target, before.toISOString()],
    );
    return rows.map(toRecord);
  }

  async delete(id: string): Promise<void> {
    await this.db.query('DELETE FROM backups WHERE id = $1', [id]);
  }
}
