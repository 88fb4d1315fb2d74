import type { DigestState, DigestStore, OutboxLane, OutboxRow, OutboxStore } from '../alerts/outbox.js';
import type { Queryable } from './db.js';

interface Row {
  id: string | number;
  message_key: string;
  platform: string;
  channel: string;
  version: number;
  attempts: number;
  due_at: Date | string;
}

const COLUMNS = 'id, message_key, platform, channel, version, attempts, due_at';

function toRow(r: Row): OutboxRow {
  return { id: String(r.id), key: r.message_key, platform: r.platform, channel: r.channel, version: r.version, attempts: r.attempts, dueAt: new Date(r.due_at) };
}

/** `alert-group:` → a LIKE pattern matching keys that start with it, whatever characters it holds. */
function prefixPattern(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The outbox table as the worker uses it. Every state change is one conditional statement, and
 * claims use FOR UPDATE SKIP LOCKED, which PostgreSQL and PGlite both have; the database's clock
 * decides expiry, so replicas with skewed clocks agree.
 */
export class SqlOutboxRepository implements OutboxStore {
  constructor(private readonly db: Queryable) {}

  async dueLanes(keyPrefix: string, platforms: readonly string[]): Promise<OutboxLane[]> {
    if (platforms.length === 0) return [];
    const rows = await this.db.query<{ platform: string; channel: string }>(
      `SELECT DISTINCT platform, channel FROM outbox
       WHERE message_key LIKE $1 AND platform = ANY($2::text[]) AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())`,
      [prefixPattern(keyPrefix), [...platforms]],
    );
    return rows.map((r) => ({ platform: r.platform, channel: r.channel }));
  }

  async claimNext(lane: OutboxLane, keyPrefix: string, workerId: string, claimMs: number): Promise<OutboxRow | null> {
    const rows = await this.db.query<Row>(
      `UPDATE outbox SET claimed_by = $4, claimed_until = now() + ($5::integer * interval '1 millisecond')
       WHERE id = (
         SELECT id FROM outbox
         WHERE platform = $1 AND channel = $2 AND message_key LIKE $3
           AND due_at <= now() AND (claimed_until IS NULL OR claimed_until < now())
         ORDER BY due_at, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED
       )
       RETURNING ${COLUMNS}`,
      [lane.platform, lane.channel, prefixPattern(keyPrefix), workerId, Math.round(claimMs)],
    );
    return rows[0] ? toRow(rows[0]) : null;
  }

  async complete(row: OutboxRow, workerId: string): Promise<boolean> {
    const deleted = await this.db.query('DELETE FROM outbox WHERE id = $1 AND version = $2 AND claimed_by = $3 RETURNING id', [row.id, row.version, workerId]);
    if (deleted.length > 0) return true;
    // A newer state arrived while this one was sent: free the row, so the newer one is shown too.
    await this.db.query('UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = $1 AND claimed_by = $2', [row.id, workerId]);
    return false;
  }

  async release(row: OutboxRow, workerId: string, retryInMs: number, error?: string): Promise<void> {
    await this.db.query(
      `UPDATE outbox SET claimed_by = NULL, claimed_until = NULL,
         due_at = now() + ($3::integer * interval '1 millisecond'),
         attempts = attempts + CASE WHEN $4::text IS NULL THEN 0 ELSE 1 END,
         last_error = COALESCE($4::text, last_error)
       WHERE id = $1 AND claimed_by = $2`,
      [row.id, workerId, Math.round(retryInMs), error ?? null],
    );
  }

  async releaseAll(workerId: string): Promise<void> {
    await this.db.query('UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1', [workerId]);
  }

  async pendingCount(lane: OutboxLane, keyPrefix: string): Promise<number> {
    const rows = await this.db.query<{ n: number }>('SELECT count(*)::integer AS n FROM outbox WHERE platform = $1 AND channel = $2 AND message_key LIKE $3', [
      lane.platform,
      lane.channel,
      prefixPattern(keyPrefix),
    ]);
    return rows[0]?.n ?? 0;
  }

  async pending(lane: OutboxLane, keyPrefix: string, limit: number): Promise<OutboxRow[]> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM outbox WHERE platform = $1 AND channel = $2 AND message_key LIKE $3 ORDER BY due_at, id LIMIT $4`, [
      lane.platform,
      lane.channel,
      prefixPattern(keyPrefix),
      limit,
    ]);
    return rows.map(toRow);
  }
}

interface DigestRow {
  platform: string;
  channel: string;
  storm: number;
  open: boolean;
  opened_at: Date | string | null;
  pages: number;
}

function toDigest(r: DigestRow): DigestState {
  return { platform: r.platform, channel: r.channel, storm: r.storm, open: r.open, openedAt: r.opened_at === null ? null : new Date(r.opened_at), pages: r.pages };
}

export class SqlDigestRepository implements DigestStore {
  constructor(private readonly db: Queryable) {}

  async get(lane: OutboxLane): Promise<DigestState | null> {
    const rows = await this.db.query<DigestRow>('SELECT platform, channel, storm, open, opened_at, pages FROM alert_digests WHERE platform = $1 AND channel = $2', [lane.platform, lane.channel]);
    return rows[0] ? toDigest(rows[0]) : null;
  }

  async open(lane: OutboxLane): Promise<DigestState> {
    const rows = await this.db.query<DigestRow>(
      `INSERT INTO alert_digests (platform, channel, storm, open, opened_at, pages) VALUES ($1, $2, 1, true, now(), 0)
       ON CONFLICT (platform, channel) DO UPDATE
         SET storm = alert_digests.storm + 1, open = true, opened_at = now(), pages = 0, updated_at = now()
         WHERE NOT alert_digests.open
       RETURNING platform, channel, storm, open, opened_at, pages`,
      [lane.platform, lane.channel],
    );
    if (rows[0]) return toDigest(rows[0]);
    const current = await this.get(lane);
    if (!current) throw new Error(`The storm digest of ${lane.platform} #${lane.channel} vanished while it was being opened.`);
    return current;
  }

  async postedPages(lane: OutboxLane, storm: number, pages: number): Promise<void> {
    await this.db.query('UPDATE alert_digests SET pages = GREATEST(pages, $4), updated_at = now() WHERE platform = $1 AND channel = $2 AND storm = $3', [
      lane.platform,
      lane.channel,
      storm,
      pages,
    ]);
  }

  async close(lane: OutboxLane, storm: number): Promise<void> {
    await this.db.query('UPDATE alert_digests SET open = false, updated_at = now() WHERE platform = $1 AND channel = $2 AND storm = $3', [lane.platform, lane.channel, storm]);
  }

  async openLanes(platforms: readonly string[]): Promise<OutboxLane[]> {
    if (platforms.length === 0) return [];
    const rows = await this.db.query<{ platform: string; channel: string }>('SELECT platform, channel FROM alert_digests WHERE open AND platform = ANY($1::text[])', [[...platforms]]);
    return rows.map((r) => ({ platform: r.platform, channel: r.channel }));
  }
}

/** For the firebreak_alert_groups_firing gauge: read at each scrape, so every replica reports the same. */
export async function countFiringGroups(db: Queryable): Promise<number> {
  const rows = await db.query<{ n: number }>("SELECT count(*)::integer AS n FROM alert_groups WHERE status = 'firing'");
  return rows[0]?.n ?? 0;
}
