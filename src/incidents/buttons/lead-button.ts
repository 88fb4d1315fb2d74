import { defineButton } from '../../core/button-handlers.js';
import { assignRole } from '../incident-actions.js';
import { actingOf, changeOutcome, incidentIdPayload, incidentRecord, noSuchIncidentReply, summaryFace, type IncidentButtonEnv } from './button-outcome.js';

/** `inc-lead:INC-42` (Take lead): the clicker leads now. */
export const leadButton = defineButton({
  prefix: 'inc-lead',
  kind: 'handler',
  metricLabel: '(incident lead)',
  name: 'Take lead',
  outsideAllowedChannels: false,
  payload: incidentIdPayload,
  malformed: noSuchIncidentReply,
  record: (arg) => incidentRecord('Take lead', arg),
  async handle(press, env: IncidentButtonEnv) {
    const r = await assignRole(actingOf(press, env), press.payload, 'lead', press.inv.actor);
    return changeOutcome(r, await summaryFace(env, press.payload));
  },
});
