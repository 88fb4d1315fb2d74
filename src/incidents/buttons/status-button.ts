import type { ButtonHandler } from '../../core/button-handlers.js';
import { changeStatus, noSuchIncident } from '../incident-actions.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../model.js';
import { statusPicker } from '../summary-card.js';
import { actingOf, changeOutcome, finishClick, summaryFace, refusedHere } from './button-outcome.js';

/**
 * `inc-status:INC-42` (Update status on the summary card, Reopen): the clicker gets a picker of the
 * other statuses. `inc-status:INC-42:identified` (a picker's button): sets it, says so in the channel.
 */
export const statusButton: ButtonHandler = {
  prefix: 'inc-status',
  kind: 'handler',
  metricLabel: '(incident status)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Update status');
    if (refused) return finishClick(click, env, 'Update status', refused);
    const [id = '', to] = click.arg.split(':');
    if (to === undefined) {
      const i = await env.ports.incidents.get(id);
      if (!i) return finishClick(click, env, 'Update status', { status: 'invalid', reply: noSuchIncident(id).reply });
      return finishClick(click, env, 'Update status', { status: 'ok', reply: statusPicker(i), placement: { kind: 'private' }, incidentId: i.id, sourceUpdate: await summaryFace(env, i.id) });
    }
    if (!INCIDENT_STATUSES.includes(to as IncidentStatus)) {
      return finishClick(click, env, 'Update status', { status: 'invalid', reply: { title: 'Unknown status', status: 'error', text: `"${to}" is not a status; this button may come from an older version.`, ephemeral: true } });
    }
    const r = await changeStatus(actingOf(click, env), id, to as IncidentStatus, null);
    return finishClick(click, env, `Set ${to}`, changeOutcome(r, r.ok ? { title: `${id}: ${to}`, status: 'ok', text: `You set ${id} to ${to}.` } : undefined));
  },
};
