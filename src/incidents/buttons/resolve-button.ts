import type { ButtonHandler } from '../../core/button-handlers.js';
import { changeStatus } from '../incident-actions.js';
import { actingOf, changeOutcome, finishClick, summaryFace, refusedHere } from './button-outcome.js';

/** `inc-resolve:INC-42` (Resolve on the summary card; the platform asks once more first). */
export const resolveButton: ButtonHandler = {
  prefix: 'inc-resolve',
  kind: 'handler',
  metricLabel: '(incident resolve)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Resolve');
    if (refused) return finishClick(click, env, 'Resolve', refused);
    const r = await changeStatus(actingOf(click, env), click.arg, 'resolved', null);
    return finishClick(click, env, 'Resolve', changeOutcome(r, await summaryFace(env, click.arg)));
  },
};
