/**
 * What a stored notification does to its alert group, decided without a database. The store applies
 * it (status, timestamps, what a new episode resets) in the transaction that stores the alerts; a
 * repeat notification is no transition (`none`) and never reaches here.
 */
import type { IngestResult } from './alert-store.js';
import type { AlertStatus } from './model.js';

export type GroupTransition = Exclude<IngestResult['transition'], 'none'>;

/**
 * `before` is the group's status before the notification, null when the notification created it.
 * A new group opens, or is resolved at once when the first word of it is a resolution; firing →
 * resolved resolves, resolved → firing refires; the same status again is an update.
 */
export function groupTransition(before: AlertStatus | null, next: AlertStatus): GroupTransition {
  if (before === null) return next === 'firing' ? 'opened' : 'resolved';
  if (before === 'firing' && next === 'resolved') return 'resolved';
  if (before === 'resolved' && next === 'firing') return 'refired';
  return 'updated';
}

/**
 * A group that fires again is a new episode: it needs a new acknowledgement, escalates again from
 * the first step, and has fired since its new alerts started.
 */
export const startsNewEpisode = (t: GroupTransition): boolean => t === 'refired';
