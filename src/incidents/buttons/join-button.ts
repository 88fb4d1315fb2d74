import type { ButtonHandler } from '../../core/button-handlers.js';
import { joinIncident } from '../incident-actions.js';
import { actingOf, announcementFace, finishClick, refusedHere } from './button-outcome.js';

/**
 * `inc-join:INC-42` (Join on the announcement): the clicker is invited to the incident's channel
 * (Discord: a permission overwrite on it, since Discord has no channel invites). Only they see the answer.
 */
export const joinButton: ButtonHandler = {
  prefix: 'inc-join',
  kind: 'handler',
  metricLabel: '(incident join)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Join');
    if (refused) return finishClick(click, env, 'Join', refused);
    const r = await joinIncident(actingOf(click, env), click.arg);
    if (!r.incident) return finishClick(click, env, 'Join', { status: 'invalid', reply: r.reply });
    const face = await announcementFace(env, r.incident.id);
    return finishClick(click, env, 'Join', { status: r.ok ? 'ok' : 'failed', reply: { ...r.reply, ephemeral: true }, placement: { kind: 'private' }, incidentId: r.incident.id, ...(face ? { sourceUpdate: face } : {}) });
  },
};
