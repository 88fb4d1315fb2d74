import type { FirebreakConfig } from '../config/schema.js';
import type { Reply } from '../core/reply.js';
import { renderAlertCard } from './alert-card.js';
import type { AlertStore } from './alert-store.js';
import type { AlertGroup } from './model.js';

/** Alerts read for a card: enough for its described alerts and links; the rest are counted. */
export const CARD_ALERTS = 20;

/** A group's card as the store has it now; null when there is no such group. */
export async function currentCard(store: AlertStore, config: FirebreakConfig, groupId: string, now: Date): Promise<{ group: AlertGroup; reply: Reply } | null> {
  const group = await store.get(groupId);
  if (!group) return null;
  return { group, reply: renderAlertCard(group, await store.alerts(groupId, CARD_ALERTS), config, now) };
}
