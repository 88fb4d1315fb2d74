/**
 * Sending the reminders that fell due: the lead of an open incident when a status update is due,
 * the channel when nobody has taken the lead. Every replica runs this; each reminder is claimed by
 * one (see IncidentStore.claimDueReminders), posted, then finished. A replica that dies after the
 * claim leaves it to expire, so the reminder is sent a little later instead of never; one that
 * dies between posting and finishing sends it twice — the narrowest window there is without
 * holding a database transaction open across a chat call.
 */
import { randomUUID } from 'node:crypto';
import type { Reply } from '../core/reply.js';
import type { IncidentDeps } from './incident-messages.js';
import { personName } from './mentions.js';
import type { Incident } from './model.js';
import { reminderPolicy, type DueReminder } from './reminder-policy.js';
import { actionIds, severityLabel } from './summary-card.js';

/** Longer than a post takes with pacing and 429 waits; a claim older than this was abandoned. */
export const REMINDER_CLAIM_MS = 2 * 60_000;

export function reminderReply(r: DueReminder, i: Incident, deps: IncidentDeps, now: Date): Reply {
  if (r.kind === 'lead-nudge') {
    const minutes = Math.max(1, Math.round((now.getTime() - i.declaredAt.getTime()) / 60_000));
    return {
      title: `${i.id} has no lead`,
      status: 'warning',
      text: `${i.id} (${severityLabel(i.severity)}) has run ${minutes} min without a lead. Someone take it: press Take lead, or /incident lead me.`,
      buttons: [{ actionId: actionIds.lead(i.id), label: 'Take lead', style: 'primary' }],
    };
  }
  const every = reminderPolicy(deps.config.incidents).statusUpdateMin(i.severity);
  return {
    title: `${i.id}: a status update is due`,
    status: 'warning',
    text: `${personName(i.roles.lead)}: no status update for ${every} min (${severityLabel(i.severity)} incidents update every ${every} min). Post one with /incident update "what we know now"; it also goes to #${deps.config.chat.incidents_channel.replace(/^#/, '')}.`,
  };
}

/** One pass: claim what is due at `now`, post it, finish it. Returns how many reminders were posted. */
export async function sendDueReminders(deps: IncidentDeps, now: Date, claimId: string = randomUUID()): Promise<number> {
  const { ports } = deps;
  const due = await ports.incidents.claimDueReminders(now, claimId, REMINDER_CLAIM_MS);
  let posted = 0;
  for (const r of due) {
    const i = await ports.incidents.get(r.incidentId);
    // Moot by now (resolved, or someone took the lead): finished without a word.
    if (!i || i.status === 'resolved' || !i.channel || (r.kind === 'lead-nudge' && i.roles.lead)) {
      await ports.incidents.finishReminder(r, claimId, now, null);
      continue;
    }
    const port = ports.chat.get(i.channel.platform);
    if (!port) continue; // Another replica, connected to that platform, takes it once the claim expires.
    const reply = reminderReply(r, i, deps, now);
    try {
      await port.postMessage({ id: i.channel.id }, reply);
    } catch (err) {
      // Left claimed: it is tried again when the claim expires.
      ports.logger.warn({ incident: i.id, reminder: r.kind, err: ports.redactor.redact(String(err)) }, `could not post ${i.id}'s ${r.kind} reminder; it is retried`);
      continue;
    }
    await ports.incidents.finishReminder(r, claimId, now, { text: `${reply.title}: ${reply.text ?? ''}`, lead: i.roles.lead?.name ?? null });
    posted++;
  }
  return posted;
}
