import { defineButton } from '../../core/button-handlers.js';
import { changeSeverity, noSuchIncident } from '../incident-actions.js';
import { parseSeverity } from '../model.js';
import { severityLabel, severityPicker } from '../summary-card.js';
import { actingOf, changeOutcome, incidentRecord, pickedText, pickerPayload, summaryFace, type IncidentButtonEnv } from './button-outcome.js';

/** `inc-sev:INC-42` (Change severity): a picker for the clicker. `inc-sev:INC-42:1`: sets SEV1. */
export const severityButton = defineButton({
  prefix: 'inc-sev',
  kind: 'handler',
  metricLabel: '(incident severity)',
  name: 'Change severity',
  outsideAllowedChannels: false,
  payload: pickerPayload(parseSeverity),
  malformed: (arg) => ({ title: 'Unknown severity', status: 'error', text: `"${pickedText(arg)}" is not a severity; this button may come from an older version.` }),
  record: (arg, p) => incidentRecord(p?.to ? `Set ${severityLabel(p.to)}` : 'Change severity', arg),
  async handle(press, env: IncidentButtonEnv) {
    const { id, to } = press.payload;
    if (to === undefined) {
      const i = await env.ports.incidents.get(id);
      if (!i) return { status: 'invalid', reply: noSuchIncident(id).reply };
      return { status: 'ok', reply: severityPicker(i), placement: { kind: 'private' }, incidentId: i.id, sourceUpdate: await summaryFace(env, i.id) };
    }
    const r = await changeSeverity(actingOf(press, env), id, to);
    return changeOutcome(r, r.ok ? { title: `${id}: ${severityLabel(to)}`, status: 'ok', text: `You set ${id} to ${severityLabel(to)}.` } : undefined);
  },
});
