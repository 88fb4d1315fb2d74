import type { ButtonHandler } from '../core/button-handlers.js';
import { roleDenied } from '../core/authorize.js';
import { hasRole } from '../core/guards.js';
import type { JsonValue } from '../core/outcome.js';
import type { Reply, ReplyButton, ReplyField } from '../core/reply.js';
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
export const postmortemRetryButton: ButtonHandler = {
  prefix: RETRY_PREFIX,
  kind: 'handler',
  metricLabel: '(pm-retry)',
  async handle(click, env) {
    const incidentId = click.arg;
    const text = `(retry filing the post-mortem of ${incidentId})`;
    const finish = (status: 'ok' | 'failed' | 'invalid' | 'denied', reply: Reply, detail: { [key: string]: JsonValue } = {}) =>
      env.recorder.finish(click.invocationId, click.inv, null, text, { status, reply, placement: reply.ephemeral ? { kind: 'private' } : { kind: 'thread' } }, { button: true, detail: { incident: incidentId, ...detail } });

    if (!hasRole(env.config, click.inv.actor, RETRY_ROLE)) return finish('denied', roleDenied('Retry filing the post-mortem', RETRY_ROLE, click.inv.actor).reply);
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/.test(incidentId)) {
      return finish('invalid', { title: 'Unknown incident', status: 'error', text: 'This Retry button names no incident Firebreak knows; nothing was filed.', ephemeral: true });
    }
    const ticketing = env.ports.tickets;
    if (!ticketing || ticketing.systems.length === 0) {
      return finish('invalid', { title: 'No ticket system', status: 'error', text: 'No ticket system is configured (postmortems: in the Firebreak config), so there is nothing to retry; nothing was filed.', ephemeral: true });
    }
    // Retry drafts again from the timeline, files, and the card it was pressed on becomes the new one
    // for everyone; the presser is told privately.
    const r = await env.ports.postmortems?.draft(incidentId);
    if (!r) return finish('invalid', { title: 'Unknown incident', status: 'error', text: `There is no incident ${incidentId}; nothing was filed.`, ephemeral: true });
    const ok = r.problems.length === 0;
    return env.recorder.finish(
      click.invocationId,
      click.inv,
      null,
      text,
      {
        status: ok ? 'ok' : 'failed',
        placement: { kind: 'private' },
        sourceUpdate: r.reply,
        reply: { title: ok ? `Post-mortem of ${incidentId} filed` : `Post-mortem of ${incidentId}: still not filed`, status: ok ? 'ok' : 'error', text: ok ? undefined : r.problems.join(' '), ephemeral: true },
      },
      { button: true, detail: { incident: incidentId } },
    );
  },
};
