import { groupMessageKey } from '../alerts/alert-store.js';
import type { Queryable } from './db.js';

/** The outbox key of a group's card inside its incident's channel (the group's own card stays in its route channel). */
export const INCIDENT_COPY_SUFFIX = '@incident';

/** Where an open incident of the group runs (incidents.channel), as the store keeps it. */
export type IncidentChannel = { platform: string; name: string; own: boolean } | null;

/** The outbox rows of a group's card, inserted or bumped (markGroupDirtyIn); exported to be prepared at start (warm-store.ts). */
export const MARK_DIRTY_SQL = `INSERT INTO outbox (message_key, platform, channel) SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
     ON CONFLICT (message_key, platform) DO UPDATE SET version = outbox.version + 1, channel = EXCLUDED.channel, due_at = LEAST(outbox.due_at, now())`;

/**
 * A group's card must be shown again: one outbox row per platform (a newer change only bumps it),
 * and, while the group belongs to an open incident with a channel of its own, a second card in that
 * channel — "later alerts for the same service are posted into the incident channel as cards".
 */
export async function markGroupDirty(q: Queryable, groupId: string, channel: string, platforms: readonly string[]): Promise<void> {
  const [inc] = await q.query<{ channel: IncidentChannel }>(
    `SELECT i.channel FROM alert_groups g JOIN incidents i ON i.id = g.incident_id WHERE g.id = $1::bigint AND i.status <> 'resolved'`,
    [groupId],
  );
  await markGroupDirtyIn(q, groupId, channel, platforms, inc?.channel ?? null);
}

/**
 * markGroupDirty when the caller has already read the channel of the group's open incident (the
 * alert ingestion reads it with the group): every row in one statement, one round trip to the
 * store however many platforms announce.
 */
export async function markGroupDirtyIn(q: Queryable, groupId: string, channel: string, platforms: readonly string[], incident: IncidentChannel): Promise<void> {
  const key = groupMessageKey(groupId);
  const rows = [...new Set(platforms)].map((platform) => [key, platform, channel] as const);
  if (incident?.own && incident.name !== channel && platforms.includes(incident.platform)) rows.push([`${key}${INCIDENT_COPY_SUFFIX}`, incident.platform, incident.name]);
  if (rows.length === 0) return;
  await q.query(
    MARK_DIRTY_SQL,
    [rows.map((r) => r[0]), rows.map((r) => r[1]), rows.map((r) => r[2])],
  );
}
