import { defineButton } from '../../core/button-handlers.js';
import { changeStatus } from '../incident-actions.js';
import { actingOf, changeOutcome, incidentIdPayload, incidentRecord, noSuchIncidentReply, summaryFace, type IncidentButtonEnv } from './button-outcome.js';

/** `inc-resolve:INC-42` (Resolve on the summary card; the platform asks once more first). */
export const resolveButton = defineButton({
  prefix: 'inc-resolve',
  kind: 'handler',
  metricLabel: '(incident resolve)',
  name: 'Resolve',
  outsideAllowedChannels: false,
  payload: incidentIdPayload,
  malformed: noSuchIncidentReply,
  record: (arg) => incidentRecord('Resolve', arg),
  async handle(press, env: IncidentButtonEnv) {
    const r = await changeStatus(actingOf(press, env), press.payload, 'resolved', null);
    return changeOutcome(r, await summaryFace(env, press.payload));
  },
});
