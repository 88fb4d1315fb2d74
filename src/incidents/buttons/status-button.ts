import { defineButton } from '../../core/button-handlers.js';
import { changeStatus, noSuchIncident } from '../incident-actions.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../model.js';
import { statusPicker } from '../summary-card.js';
import { actingOf, changeOutcome, incidentRecord, pickedText, pickerPayload, summaryFace, type IncidentButtonEnv } from './button-outcome.js';

const parseStatus = (to: string): IncidentStatus | null => (INCIDENT_STATUSES.includes(to as IncidentStatus) ? (to as IncidentStatus) : null);

/**
 * `inc-status:INC-42` (Update status on the summary card, Reopen): the clicker gets a picker of the
 * other statuses. `inc-status:INC-42:identified` (a picker's button): sets it, says so in the channel.
 */
export const statusButton = defineButton({
  prefix: 'inc-status',
  kind: 'handler',
  metricLabel: '(incident status)',
  name: 'Update status',
  outsideAllowedChannels: false,
  payload: pickerPayload(parseStatus),
  malformed: (arg) => ({ title: 'Unknown status', status: 'error', text: `"${pickedText(arg)}" is not a status; this button may come from an older version.` }),
  record: (arg, p) => incidentRecord(p?.to ? `Set ${p.to}` : 'Update status', arg),
  async handle(press, env: IncidentButtonEnv) {
    const { id, to } = press.payload;
    if (to === undefined) {
      const i = await env.ports.incidents.get(id);
      if (!i) return { status: 'invalid', reply: noSuchIncident(id).reply };
      return { status: 'ok', reply: statusPicker(i), placement: { kind: 'private' }, incidentId: i.id, sourceUpdate: await summaryFace(env, i.id) };
    }
    const r = await changeStatus(actingOf(press, env), id, to, null);
    return changeOutcome(r, r.ok ? { title: `${id}: ${to}`, status: 'ok', text: `You set ${id} to ${to}.` } : undefined);
  },
});
