import type { PostmortemTicketStore, StoredTicket } from '../postmortems/ticket-store.js';
import type { Db } from './db.js';

interface Row {
  incident_id: string;
  system: string;
  ref: string | null;
  url: string | null;
  claim_id: string | null;
  last_error: string | null;
  updated_at: Date;
}

const COLUMNS = 'incident_id, system, ref, url, claim_id, last_error, updated_at';

const toTicket = (r: Row): StoredTicket => ({
  incidentId: r.incident_id,
  system: r.system,
  ref: r.ref,
  url: r.url,
  claimId: r.claim_id,
  lastError: r.last_error,
  updatedAt: new Date(r.updated_at),
});

// The database's clock decides what is stale, so replicas with skewed clocks agree.
const STALE = `updated_at <= now() - ($4::integer * interval '1 millisecond')`;

export class SqlPostmortemTicketRepository implements PostmortemTicketStore {
  constructor(private readonly db: Db) {}

  async get(incidentId: string, system: string): Promise<StoredTicket | null> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM postmortem_tickets WHERE incident_id = $1 AND system = $2`, [incidentId, system]);
    return rows[0] ? toTicket(rows[0]) : null;
  }

  async list(incidentId: string): Promise<StoredTicket[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM postmortem_tickets WHERE incident_id = $1 ORDER BY system`, [incidentId]);
    return rows.map(toTicket);
  }

  async claim(incidentId: string, system: string, claimId: string): Promise<boolean> {
    const rows = await this.db.query(
      'INSERT INTO postmortem_tickets (incident_id, system, claim_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING incident_id',
      [incidentId, system, claimId],
    );
    return rows.length > 0;
  }

  async reclaim(incidentId: string, system: string, claimId: string, staleMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE postmortem_tickets SET claim_id = $3, updated_at = now()
       WHERE incident_id = $1 AND system = $2 AND ref IS NULL AND (claim_id IS NULL OR ${STALE})
       RETURNING incident_id`,
      [incidentId, system, claimId, Math.round(staleMs)],
    );
    return rows.length > 0;
  }

  async recordFiled(incidentId: string, system: string, claimId: string, ref: string, url: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE postmortem_tickets SET ref = $4, url = $5, claim_id = NULL, last_error = NULL, updated_at = now()
       WHERE incident_id = $1 AND system = $2 AND claim_id = $3 AND ref IS NULL
       RETURNING incident_id`,
      [incidentId, system, claimId, ref, url],
    );
    return rows.length > 0;
  }

  async recordFailed(incidentId: string, system: string, claimId: string, error: string): Promise<void> {
    await this.db.query(
      `UPDATE postmortem_tickets SET claim_id = NULL, last_error = $4, updated_at = now()
       WHERE incident_id = $1 AND system = $2 AND claim_id = $3 AND ref IS NULL`,
      [incidentId, system, claimId, error],
    );
  }

  async recordAttempt(incidentId: string, system: string, url: string | null, error: string | null): Promise<void> {
    await this.db.query(
      `UPDATE postmortem_tickets SET url = COALESCE($3, url), last_error = $4, updated_at = now()
       WHERE incident_id = $1 AND system = $2 AND ref IS NOT NULL`,
      [incidentId, system, url, error],
    );
  }

  async filedItems(incidentId: string, system: string): Promise<Map<string, string>> {
    const rows = await this.db.query<{ item_id: string; ref: string }>(
      'SELECT item_id, ref FROM postmortem_ticket_items WHERE incident_id = $1 AND system = $2 AND ref IS NOT NULL',
      [incidentId, system],
    );
    return new Map(rows.map((r) => [r.item_id, r.ref]));
  }

  async claimItem(incidentId: string, system: string, itemId: string, claimId: string, staleMs: number): Promise<boolean> {
    // One statement: the first claim inserts; a failed or abandoned one is taken over in place.
    const rows = await this.db.query(
      `INSERT INTO postmortem_ticket_items AS i (incident_id, system, item_id, claim_id) VALUES ($1, $2, $5, $3)
       ON CONFLICT (incident_id, system, item_id) DO UPDATE SET claim_id = EXCLUDED.claim_id, updated_at = now()
       WHERE i.ref IS NULL AND (i.claim_id IS NULL OR i.${STALE})
       RETURNING item_id`,
      [incidentId, system, claimId, Math.round(staleMs), itemId],
    );
    return rows.length > 0;
  }

  async recordItemFiled(incidentId: string, system: string, itemId: string, claimId: string, ref: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE postmortem_ticket_items SET ref = $5, claim_id = NULL, updated_at = now()
       WHERE incident_id = $1 AND system = $2 AND item_id = $3 AND claim_id = $4 AND ref IS NULL
       RETURNING item_id`,
      [incidentId, system, itemId, claimId, ref],
    );
    return rows.length > 0;
  }

  async dropItemClaim(incidentId: string, system: string, itemId: string, claimId: string): Promise<void> {
    await this.db.query('UPDATE postmortem_ticket_items SET claim_id = NULL WHERE incident_id = $1 AND system = $2 AND item_id = $3 AND claim_id = $4 AND ref IS NULL', [
      incidentId,
      system,
      itemId,
      claimId,
    ]);
  }
}
