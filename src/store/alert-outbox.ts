import { groupMessageKey } from '../alerts/alert-store.js';
import type { Queryable } from './db.js';

/** The outbox key of a group's card inside its incident's channel (the group's own card stays in its route channel). */
export const INCIDENT_COPY_SUFFIX = '@incident';

/**
 * A group's card must be shown again: one outbox row per platform (a newer change only bumps it),
 * and, while the group belongs to an open incident with a channel of its own, a second card in that
 * channel — "later alerts for the same service are posted into the incident channel as cards".
 */
export async function markGroupDirty(q: Queryable, groupId: string, channel: string, platforms: readonly string[]): Promise<void> {
  const upsert = (key: string, platform: string, target: string) =>
    q.query(
      `INSERT INTO outbox (message_key, platform, channel) VALUES ($1, $2, $3)
       ON CONFLICT (message_key, platform) DO UPDATE SET version = outbox.version + 1, channel = EXCLUDED.channel, due_at = LEAST(outbox.due_at, now())`,
      [key, platform, target],
    );
  for (const platform of platforms) await upsert(groupMessageKey(groupId), platform, channel);
  const [inc] = await q.query<{ channel: { platform: string; name: string; own: boolean } | null }>(
    `SELECT i.channel FROM alert_groups g JOIN incidents i ON i.id = g.incident_id WHERE g.id = $1::bigint AND i.status <> 'resolved'`,
    [groupId],
  );
  const own = inc?.channel;
  if (own?.own && own.name !== channel && platforms.includes(own.platform)) await upsert(`${groupMessageKey(groupId)}${INCIDENT_COPY_SUFFIX}`, own.platform, own.name);
}
