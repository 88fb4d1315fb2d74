import { describe, expect, it } from 'vitest';
import type { DueReminder, ReminderPolicy } from '../../src/incidents/reminder-policy.js';
import { noReminders } from '../../src/incidents/reminder-policy.js';
import { afterReminder, reminderPlan, reminderRecord, REMINDER_ACTOR } from '../../src/incidents/reminder-schedule.js';
import { incidentFixture } from '../support/incident-fixtures.js';

const now = new Date('2026-11-25T15:00:00Z');
const min = (from: Date, n: number) => new Date(from.getTime() + n * 60_000);
/** Status reminders every 30 min for sev1, 60 for sev2, none below; the lead nudged 10 min after declaring. */
const policy: ReminderPolicy = { statusUpdateMin: (s) => ({ sev1: 30, sev2: 60 })[s as 'sev1' | 'sev2'] ?? 0, leadNudgeMin: () => 10 };
const leaderless = incidentFixture({ roles: { lead: null, comms: null, scribe: null } });

describe('which reminders an incident has after a change', () => {
  it('a resolved incident has none', () => {
    expect(reminderPlan(incidentFixture({ status: 'resolved' }), policy, now, true)).toEqual({ resolved: true });
  });

  it('the status reminder is due one interval (of its severity) from now: reset by a change that restarts the clock, else kept as it is', () => {
    expect(reminderPlan(incidentFixture(), policy, now, true)).toMatchObject({ statusUpdate: { do: 'restart', dueAt: min(now, 60) } });
    expect(reminderPlan(incidentFixture({ severity: 'sev1' }), policy, now, false)).toMatchObject({ statusUpdate: { do: 'ensure', dueAt: min(now, 30) } });
    expect(reminderPlan(incidentFixture({ severity: 'sev3' }), policy, now, true)).toMatchObject({ statusUpdate: { do: 'drop' } });
  });

  it('a lead-less incident is nudged once, counted from its declaration; a lead withdraws an unsent nudge; with nudges off nothing changes', () => {
    expect(reminderPlan(leaderless, policy, now, false)).toMatchObject({ leadNudge: { do: 'ensure', dueAt: min(leaderless.declaredAt, 10) } });
    expect(reminderPlan(incidentFixture(), policy, now, false)).toMatchObject({ leadNudge: { do: 'cancel-unsent' } });
    expect(reminderPlan(leaderless, noReminders, now, true)).toEqual({ resolved: false, statusUpdate: { do: 'drop' }, leadNudge: { do: 'keep' } });
  });
});

describe('a reminder once sent', () => {
  const status: DueReminder = { id: '5', incidentId: 'INC-7', kind: 'status-update', dueAt: min(now, -1) };
  const nudge: DueReminder = { ...status, id: '6', kind: 'lead-nudge' };

  it('a status reminder is due again one interval later; a lead nudge, one for a severity without them, or one of a vanished incident is done', () => {
    expect(afterReminder(status, incidentFixture(), policy, now)).toEqual({ do: 'again', dueAt: min(now, 60) });
    expect(afterReminder(status, incidentFixture({ severity: 'sev4' }), policy, now)).toEqual({ do: 'done', sentAt: now });
    expect(afterReminder(status, null, policy, now)).toEqual({ do: 'done', sentAt: now });
    expect(afterReminder(nudge, leaderless, policy, now)).toEqual({ do: 'done', sentAt: now });
  });

  it('is recorded by the system in the incident\'s channel, one invocation per reminder and due time', () => {
    expect(reminderRecord(status, incidentFixture(), { text: 'INC-7: time for a status update', lead: 'alice' })).toEqual({
      ctx: { actor: REMINDER_ACTOR, invocationId: 'reminder:5:2026-11-25T14:59:00.000Z', channel: { platform: 'slack', id: 'C7', name: 'inc-20261125-checkout-5xx' } },
      event: { kind: 'incident.reminder', text: 'INC-7: time for a status update', detail: { reminder: 'status-update', due: '2026-11-25T14:59:00.000Z', lead: 'alice' } },
    });
    expect(reminderRecord(nudge, incidentFixture({ channel: null }), { text: 'nobody leads', lead: null }).ctx.channel).toBeNull();
  });
});
