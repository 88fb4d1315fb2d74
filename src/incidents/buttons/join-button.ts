import { defineButton } from '../../core/button-handlers.js';
import { joinIncident } from '../incident-actions.js';
import { actingOf, announcementFace, incidentIdPayload, incidentRecord, noSuchIncidentReply, type IncidentButtonEnv } from './button-outcome.js';

/**
 * `inc-join:INC-42` (Join on the announcement): the clicker is invited to the incident's channel
 * (Discord: a permission overwrite on it, since Discord has no channel invites). Only they see the answer.
 * Incident buttons work where commands do: allowed channels and incidents' own channels.
 */
export const joinButton = defineButton({
  prefix: 'inc-join',
  kind: 'handler',
  metricLabel: '(incident join)',
  name: 'Join',
  outsideAllowedChannels: false,
  payload: incidentIdPayload,
  malformed: noSuchIncidentReply,
  record: (arg) => incidentRecord('Join', arg),
  async handle(press, env: IncidentButtonEnv) {
    const r = await joinIncident(actingOf(press, env), press.payload);
    if (!r.incident) return { status: 'invalid', reply: r.reply };
    const face = await announcementFace(env, r.incident.id);
    return { status: r.ok ? 'ok' : 'failed', reply: { ...r.reply, ephemeral: true }, placement: { kind: 'private' }, incidentId: r.incident.id, ...(face ? { sourceUpdate: face } : {}) };
  },
});
