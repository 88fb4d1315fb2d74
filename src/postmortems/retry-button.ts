import { z } from 'zod';
import { defineButton, type ButtonEnv, type ButtonOutcome } from '../core/button-handlers.js';
import type { ReplyButton, ReplyField } from '../core/reply.js';
import type { PostmortemsPorts } from './ports.js';
import type { FilingOutcome } from './ticket-filing.js';

export const RETRY_PREFIX = 'pm-retry';
/** Who may file again: the people who run the incident. */
const RETRY_ROLE = 'responders';

/** The button under a post-mortem whose ticket could not be filed. */
export function retryFilingButton(incidentId: string): ReplyButton {
  return { actionId: `${RETRY_PREFIX}:${incidentId}`, label: 'Retry filing' };
}

/**
 * The ticket part of a post-mortem card: one field per system saying where it was filed or why
 * not, and a Retry button when any could not be filed. The draft card (and Retry) show these.
 */
export function ticketParts(incidentId: string, outcomes: readonly FilingOutcome[]): { fields: ReplyField[]; buttons: ReplyButton[] } {
  const fields = outcomes.map((o) => ({ label: o.label.replace(/^the /, '').replace(/^./, (c) => c.toUpperCase()), value: o.sentence }));
  const buttons = outcomes.some((o) => o.status === 'failed' || o.status === 'busy') ? [retryFilingButton(incidentId)] : [];
  return { fields, buttons };
}

/**
 * `pm-retry:<incident id>`: files the incident's latest draft again with every configured system.
 * Safe to press twice or on two replicas: filing claims each ticket, so what was filed is updated
 * in place and what was not is filed once.
 */
export const postmortemRetryButton = defineButton({
  prefix: RETRY_PREFIX,
  kind: 'handler',
  metricLabel: '(pm-retry)',
  name: 'Retry filing the post-mortem',
  role: RETRY_ROLE,
  // As it always was: the role is its rule, wherever the post-mortem card was posted.
  outsideAllowedChannels: true,
  payload: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/),
  malformed: () => ({ title: 'Unknown incident', status: 'error', text: 'This Retry button names no incident Firebreak knows; nothing was filed.' }),
  record: (incidentId) => ({ command: null, text: `(retry filing the post-mortem of ${incidentId})`, detail: { incident: incidentId } }),
  async handle({ payload: incidentId }, env: ButtonEnv<PostmortemsPorts>): Promise<ButtonOutcome> {
    const refuse = (title: string, text: string): ButtonOutcome => ({ status: 'invalid', reply: { title, status: 'error', text, ephemeral: true }, placement: { kind: 'private' } });
    const ticketing = env.ports.tickets;
    if (!ticketing || ticketing.systems.length === 0) {
      return refuse('No ticket system', 'No ticket system is configured (postmortems: in the Firebreak config), so there is nothing to retry; nothing was filed.');
    }
    // Retry drafts again from the timeline, files, and the card it was pressed on becomes the new one
    // for everyone; the presser is told privately.
    const r = await env.ports.postmortems?.draft(incidentId);
    if (!r) return refuse('Unknown incident', `There is no incident ${incidentId}; nothing was filed.`);
    const ok = r.problems.length === 0;
    return {
      status: ok ? 'ok' : 'failed',
      placement: { kind: 'private' },
      sourceUpdate: r.reply,
      reply: { title: ok ? `Post-mortem of ${incidentId} filed` : `Post-mortem of ${incidentId}: still not filed`, status: ok ? 'ok' : 'error', text: ok ? undefined : r.problems.join(' '), ephemeral: true },
    };
  },
});
