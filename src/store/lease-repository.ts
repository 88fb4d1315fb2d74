import type { LeaseHolder, LeaseInfo, LeaseRepository, LeaseResult } from '../core/ports.js';
import type { Queryable } from './db.js';

interface Row {
  key: string;
  holder_id: string;
  actor_name: string;
  description: string;
  acquired_at: Date;
  expires_at: Date;
}

/** Leases in a table: one statement decides, so two replicas can never both hold a key. */
export class SqlLeaseRepository implements LeaseRepository {
  constructor(private readonly db: Queryable) {}

  async acquire(key: string, holder: LeaseHolder, ttlMs: number): Promise<LeaseResult> {
    const rows = await this.db.query<Row>(
      `INSERT INTO leases (key, holder_id, actor_name, description, acquired_at, expires_at)
       VALUES ($1, $2, $3, $4, now(), now() + ($5::integer * interval '1 millisecond'))
       ON CONFLICT (key) DO UPDATE
         SET holder_id = EXCLUDED.holder_id, actor_name = EXCLUDED.actor_name, description = EXCLUDED.description,
             acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at
         WHERE leases.expires_at < now()
       RETURNING *`,
      [key, holder.id, holder.actorName, holder.description, Math.round(ttlMs)],
    );
    if (rows.length > 0 && rows[0]?.holder_id === holder.id) return { acquired: true };
    const current = await this.db.query<Row>('SELECT * FROM leases WHERE key = $1', [key]);
    const row = current[0];
    if (!row) return this.acquire(key, holder, ttlMs); // released between the two statements
    return { acquired: false, heldBy: toInfo(row) };
  }

  async renew(key: string, holderId: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE leases SET expires_at = now() + ($3::integer * interval '1 millisecond')
       WHERE key = $1 AND holder_id = $2 RETURNING key`,
      [key, holderId, Math.round(ttlMs)],
    );
    return rows.length > 0;
  }

  async release(key: string, holderId: string): Promise<void> {
    await this.db.query('DELETE FROM leases WHERE key = $1 AND holder_id = $2', [key, holderId]);
  }

  async current(key: string): Promise<LeaseInfo | null> {
    const rows = await this.db.query<Row>('SELECT * FROM leases WHERE key = $1 AND expires_at >= now()', [key]);
    return rows[0] ? toInfo(rows[0]) : null;
  }
}

function toInfo(r: Row): LeaseInfo {
  return {
    key: r.key,
    id: r.holder_id,
    actorName: r.actor_name,
    description: r.description,
    acquiredAt: new Date(r.acquired_at),
    expiresAt: new Date(r.expires_at),
  };
}
