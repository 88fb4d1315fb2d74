import type { IncidentsConfig } from '../config/incidents-schema.js';
import type { Severity } from './model.js';

export type ReminderKind = 'status-update' | 'lead-nudge';

/**
 * When reminders fall due, from `incidents.reminders`: the lead is reminded `status_update_min`
 * (per severity) after the last status change or update, again and again while none comes; an
 * incident without a lead is nudged once, `lead_nudge_min` after it was declared. 0 turns one off.
 */
export interface ReminderPolicy {
  statusUpdateMin(severity: Severity): number;
  leadNudgeMin(): number;
}

export function reminderPolicy(config: Pick<IncidentsConfig, 'reminders'>): ReminderPolicy {
  return {
    statusUpdateMin: (severity) => config.reminders.status_update_min[severity] ?? 0,
    leadNudgeMin: () => config.reminders.lead_nudge_min,
  };
}

/** No reminders at all (tests of other things, or a store without a config). */
export const noReminders: ReminderPolicy = { statusUpdateMin: () => 0, leadNudgeMin: () => 0 };

/** A reminder claimed for sending by one replica. */
export interface DueReminder {
  id: string;
  incidentId: string;
  kind: ReminderKind;
  dueAt: Date;
}
