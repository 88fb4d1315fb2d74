import type { Actor, ChannelRef } from '../core/identity.js';
import type { PlannedStep } from '../core/outcome.js';
import type { Confirmation, ConfirmationRepository, ConfirmationStatus } from '../core/ports.js';
import type { Queryable } from './db.js';

interface Row {
  id: string;
  invocation_id: string;
  command: string;
  plan: PlannedStep;
  requested_by: Actor;
  channel: ChannelRef;
  incident_id: string | null;
  status: ConfirmationStatus;
  decided_by: Actor | null;
  decided_at: Date | null;
  created_at: Date;
  expires_at: Date;
}

function toConfirmation(r: Row): Confirmation {
  return {
    id: r.id,
    invocationId: r.invocation_id,
    command: r.command,
    plan: r.plan,
    requestedBy: r.requested_by,
    channel: r.channel,
    incidentId: r.incident_id ?? null,
    status: r.status,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at ? new Date(r.decided_at) : null,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
  };
}

export class SqlConfirmationRepository implements ConfirmationRepository {
  constructor(private readonly db: Queryable) {}

  async create(c: Omit<Confirmation, 'status' | 'decidedBy' | 'decidedAt' | 'createdAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO confirmations (id, invocation_id, command, plan, requested_by, channel, expires_at, incident_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [c.id, c.invocationId, c.command, JSON.stringify(c.plan), JSON.stringify(c.requestedBy), JSON.stringify(c.channel), c.expiresAt, c.incidentId ?? null],
    );
  }

  async createStarted(c: Omit<Confirmation, 'status' | 'decidedBy' | 'decidedAt' | 'createdAt' | 'expiresAt'>): Promise<void> {
    // Nothing is pending, so it expires as it is made: no button can ever decide it.
    await this.db.query(
      `INSERT INTO confirmations (id, invocation_id, command, plan, requested_by, channel, incident_id, status, decided_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'confirmed', now(), now())`,
      [c.id, c.invocationId, c.command, JSON.stringify(c.plan), JSON.stringify(c.requestedBy), JSON.stringify(c.channel), c.incidentId ?? null],
    );
  }

  async get(id: string): Promise<Confirmation | null> {
    const rows = await this.db.query<Row>('SELECT * FROM confirmations WHERE id = $1', [id]);
    return rows[0] ? toConfirmation(rows[0]) : null;
  }

  async decide(id: string, status: 'confirmed' | 'cancelled', by: Actor): Promise<Confirmation | null> {
    const rows = await this.db.query<Row>(
      `UPDATE confirmations SET status = $2, decided_by = $3, decided_at = now()
       WHERE id = $1 AND status = 'pending' AND expires_at > now()
       RETURNING *`,
      [id, status, JSON.stringify(by)],
    );
    return rows[0] ? toConfirmation(rows[0]) : null;
  }

  async markFinished(id: string): Promise<void> {
    await this.db.query('UPDATE confirmations SET finished_at = now() WHERE id = $1 AND finished_at IS NULL', [id]);
  }

  async unfinished(): Promise<Confirmation[]> {
    const rows = await this.db.query<Row>(`SELECT * FROM confirmations WHERE status = 'confirmed' AND finished_at IS NULL ORDER BY decided_at LIMIT 100`);
    return rows.map(toConfirmation);
  }

  async markInterrupted(id: string): Promise<Confirmation | null> {
    const rows = await this.db.query<Row>(
      `UPDATE confirmations SET finished_at = now(), interrupted_note = 'owed'
       WHERE id = $1 AND status = 'confirmed' AND finished_at IS NULL
       RETURNING *`,
      [id],
    );
    return rows[0] ? toConfirmation(rows[0]) : null;
  }

  async notesOwed(): Promise<Confirmation[]> {
    const rows = await this.db.query<Row>(`SELECT * FROM confirmations WHERE interrupted_note = 'owed' ORDER BY finished_at LIMIT 100`);
    return rows.map(toConfirmation);
  }

  async noteShown(id: string): Promise<void> {
    await this.db.query(`UPDATE confirmations SET interrupted_note = 'shown' WHERE id = $1 AND interrupted_note = 'owed'`, [id]);
  }
}
