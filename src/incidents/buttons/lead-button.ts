import type { ButtonHandler } from '../../core/button-handlers.js';
import { assignRole } from '../incident-actions.js';
import { actingOf, changeOutcome, finishClick, summaryFace, refusedHere } from './button-outcome.js';

/** `inc-lead:INC-42` (Take lead): the clicker leads now. */
export const leadButton: ButtonHandler = {
  prefix: 'inc-lead',
  kind: 'handler',
  metricLabel: '(incident lead)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Take lead');
    if (refused) return finishClick(click, env, 'Take lead', refused);
    const r = await assignRole(actingOf(click, env), click.arg, 'lead', click.inv.actor);
    return finishClick(click, env, 'Take lead', changeOutcome(r, await summaryFace(env, click.arg)));
  },
};
