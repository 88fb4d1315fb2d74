import type { MessageRefRepository, StoredMessageRef } from '../core/message-refs.js';
import type { MessageRef } from '../core/chat-port.js';
import type { Db } from './db.js';

interface Row {
  key: string;
  platform: string;
  channel_id: string | null;
  message_id: string | null;
  rendered_hash: string | null;
}

export class SqlMessageRefRepository implements MessageRefRepository {
  constructor(private readonly db: Db) {}

  async get(key: string, platform: string): Promise<StoredMessageRef | null> {
    const rows = await this.db.query<Row>('SELECT key, platform, channel_id, message_id, rendered_hash FROM message_refs WHERE key = $1 AND platform = $2', [key, platform]);
    const r = rows[0];
    if (!r) return null;
    return {
      key: r.key,
      platform: r.platform,
      ref: r.channel_id !== null && r.message_id !== null ? { platform: r.platform, channelId: r.channel_id, messageId: r.message_id } : null,
      renderedHash: r.rendered_hash,
    };
  }

  async claim(key: string, platform: string, claimId: string): Promise<boolean> {
    const rows = await this.db.query('INSERT INTO message_refs (key, platform, claim_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING key', [key, platform, claimId]);
    return rows.length > 0;
  }

  async takeOverStaleClaim(key: string, platform: string, claimId: string, olderThanMs: number): Promise<boolean> {
    // The database's clock decides, so replicas with skewed clocks agree on what is stale.
    const rows = await this.db.query(
      `UPDATE message_refs SET claim_id = $3, updated_at = now()
       WHERE key = $1 AND platform = $2 AND message_id IS NULL AND updated_at <= now() - ($4::integer * interval '1 millisecond')
       RETURNING key`,
      [key, platform, claimId, Math.round(olderThanMs)],
    );
    return rows.length > 0;
  }

  async recordPosted(key: string, platform: string, claimId: string, ref: MessageRef, renderedHash: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE message_refs SET channel_id = $4, message_id = $5, rendered_hash = $6, claim_id = NULL, updated_at = now()
       WHERE key = $1 AND platform = $2 AND claim_id = $3 AND message_id IS NULL
       RETURNING key`,
      [key, platform, claimId, ref.channelId, ref.messageId, renderedHash],
    );
    return rows.length > 0;
  }

  async dropClaim(key: string, platform: string, claimId: string): Promise<void> {
    await this.db.query('DELETE FROM message_refs WHERE key = $1 AND platform = $2 AND claim_id = $3 AND message_id IS NULL', [key, platform, claimId]);
  }

  async recordRendered(key: string, platform: string, expectedHash: string | null, renderedHash: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE message_refs SET rendered_hash = $4, updated_at = now()
       WHERE key = $1 AND platform = $2 AND message_id IS NOT NULL AND rendered_hash IS NOT DISTINCT FROM $3::text
       RETURNING key`,
      [key, platform, expectedHash, renderedHash],
    );
    return rows.length > 0;
  }
}
