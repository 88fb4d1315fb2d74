import type { ButtonHandler } from '../core/button-handlers.js';
import { roleDenied } from '../core/authorize.js';
import { hasRole } from '../core/guards.js';
import type { JsonValue } from '../core/outcome.js';
import type { Reply, ReplyButton, ReplyField } from '../core/reply.js';
import { fileDraft, type FilingOutcome } from './ticket-filing.js';

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
    const draft = await ticketing.drafts?.latest(incidentId);
    if (!draft) {
      return finish('failed', { title: `No post-mortem draft of ${incidentId}`, status: 'error', text: `There is no post-mortem draft of ${incidentId} to file; run /incident postmortem in its channel first.` });
    }
    const outcomes = await fileDraft({ systems: ticketing.systems, tickets: ticketing.tickets, redactor: env.ports.redactor, logger: env.ports.logger }, incidentId, draft);
    const failed = outcomes.filter((o) => o.status === 'failed' || o.status === 'busy');
    const { fields, buttons } = ticketParts(incidentId, outcomes);
    return finish(
      failed.length === 0 ? 'ok' : 'failed',
      {
        title: failed.length === 0 ? `Post-mortem of ${incidentId} filed` : `Post-mortem of ${incidentId}: ${failed.length} of ${outcomes.length} ticket${outcomes.length === 1 ? '' : 's'} not filed`,
        status: failed.length === 0 ? 'ok' : 'error',
        fields,
        ...(buttons.length > 0 ? { buttons } : {}),
        context: `Retried by ${click.inv.actor.name}`,
      },
      { tickets: outcomes.map((o) => ({ system: o.system, status: o.status, ref: o.ticket?.ref ?? null })) },
    );
  },
};
