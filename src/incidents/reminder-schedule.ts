/**
 * Which reminders an incident has due, decided without a database: what a change does to them, what
 * sending one does, and the event a sent one records. The store applies each plan with its SQL in
 * the transaction of the change (or of the send).
 */
import type { Actor } from '../core/identity.js';
import type { ChangeContext } from './incident-store.js';
import type { IncidentEvent } from './incident-changes.js';
import type { Incident } from './model.js';
import type { DueReminder, ReminderPolicy } from './reminder-policy.js';

const MINUTE = 60_000;

/** Who posts reminders on the timeline. */
export const REMINDER_ACTOR: Actor = { platform: 'system', id: 'reminders', name: 'Firebreak' };

/**
 * The status reminder after a change: due again from now (`restart`: a pending or sent one is reset),
 * due from now only if there is none yet (`ensure`: one already pending keeps its time), or none
 * (`drop`: this severity has no status reminders).
 */
export type StatusReminderStep = { do: 'restart'; dueAt: Date } | { do: 'ensure'; dueAt: Date } | { do: 'drop' };

/**
 * The lead nudge after a change: due once, counted from the declaration, while nobody leads
 * (`ensure`: never reset, so it is sent once); withdrawn unless already sent once someone leads
 * (`cancel-unsent`); or left as it is (`keep`: no lead, but nudges are off).
 */
export type LeadNudgeStep = { do: 'ensure'; dueAt: Date } | { do: 'cancel-unsent' } | { do: 'keep' };

/** A resolved incident has no reminders at all; an open one has a step for each kind. */
export type ReminderPlan = { resolved: true } | { resolved: false; statusUpdate: StatusReminderStep; leadNudge: LeadNudgeStep };

/**
 * The incident's reminders after a change (`incident` as it is after it): none once resolved; the
 * status reminder one interval from `now` when the change restarts that clock (else kept); the lead
 * nudge while nobody leads.
 */
export function reminderPlan(incident: Incident, policy: ReminderPolicy, now: Date, restartsStatusClock: boolean): ReminderPlan {
  if (incident.status === 'resolved') return { resolved: true };
  const statusMin = policy.statusUpdateMin(incident.severity);
  const statusUpdate: StatusReminderStep = statusMin > 0 ? { do: restartsStatusClock ? 'restart' : 'ensure', dueAt: new Date(now.getTime() + statusMin * MINUTE) } : { do: 'drop' };
  const nudgeMin = policy.leadNudgeMin();
  const leadNudge: LeadNudgeStep = incident.roles.lead ? { do: 'cancel-unsent' } : nudgeMin > 0 ? { do: 'ensure', dueAt: new Date(incident.declaredAt.getTime() + nudgeMin * MINUTE) } : { do: 'keep' };
  return { resolved: false, statusUpdate, leadNudge };
}

/**
 * A claimed reminder once it was sent (or found moot): a status reminder is due again one interval
 * after `now` while the incident has them; anything else is done, sent at `now`. `incident` is null
 * when it no longer exists.
 */
export function afterReminder(r: DueReminder, incident: Incident | null, policy: ReminderPolicy, now: Date): { do: 'again'; dueAt: Date } | { do: 'done'; sentAt: Date } {
  const minutes = incident && r.kind === 'status-update' ? policy.statusUpdateMin(incident.severity) : 0;
  return minutes > 0 ? { do: 'again', dueAt: new Date(now.getTime() + minutes * MINUTE) } : { do: 'done', sentAt: now };
}

/**
 * The timeline record of a reminder that was posted: by the system, in the incident's channel, one
 * invocation per reminder and due time.
 */
export function reminderRecord(r: DueReminder, incident: Incident, sent: { text: string; lead: string | null }): { ctx: ChangeContext; event: IncidentEvent } {
  return {
    ctx: {
      actor: REMINDER_ACTOR,
      invocationId: `reminder:${r.id}:${r.dueAt.toISOString()}`,
      channel: incident.channel ? { platform: incident.channel.platform, id: incident.channel.id, name: incident.channel.name } : null,
    },
    event: { kind: 'incident.reminder', text: sent.text, detail: { reminder: r.kind, due: r.dueAt.toISOString(), lead: sent.lead } },
  };
}
