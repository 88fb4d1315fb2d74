import type { DeliveryClaimStore } from '../core/delivery-claims.js';
import type { Db } from './db.js';

/** Expired keys are swept every this many claims: they only matter while Redis is down or for mutating deliveries. */
const SWEEP_EVERY = 200;

/** Delivery keys in a table: the primary key decides, so two replicas can never both claim one. */
export class SqlDeliveryClaimRepository implements DeliveryClaimStore {
  private claims = 0;

  constructor(private readonly db: Db) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    if (++this.claims % SWEEP_EVERY === 0) await this.db.query('DELETE FROM delivery_claims WHERE expires_at < now()');
    // An expired key is free again (a double-click window of 3 s must not last for ever).
    const rows = await this.db.query(
      `INSERT INTO delivery_claims (key, expires_at) VALUES ($1, now() + ($2::integer * interval '1 millisecond'))
       ON CONFLICT (key) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE delivery_claims.expires_at < now()
       RETURNING key`,
      [key, Math.max(1, Math.round(ttlMs))],
    );
    return rows.length > 0;
  }
}
