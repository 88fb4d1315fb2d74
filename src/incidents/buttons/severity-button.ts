import type { ButtonHandler } from '../../core/button-handlers.js';
import { changeSeverity, noSuchIncident } from '../incident-actions.js';
import { parseSeverity } from '../model.js';
import { severityLabel, severityPicker } from '../summary-card.js';
import { actingOf, changeOutcome, finishClick, summaryFace, refusedHere } from './button-outcome.js';

/** `inc-sev:INC-42` (Change severity): a picker for the clicker. `inc-sev:INC-42:1`: sets SEV1. */
export const severityButton: ButtonHandler = {
  prefix: 'inc-sev',
  kind: 'handler',
  metricLabel: '(incident severity)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Change severity');
    if (refused) return finishClick(click, env, 'Change severity', refused);
    const [id = '', to] = click.arg.split(':');
    if (to === undefined) {
      const i = await env.ports.incidents.get(id);
      if (!i) return finishClick(click, env, 'Change severity', { status: 'invalid', reply: noSuchIncident(id).reply });
      return finishClick(click, env, 'Change severity', { status: 'ok', reply: severityPicker(i), placement: { kind: 'private' }, incidentId: i.id, sourceUpdate: await summaryFace(env, i.id) });
    }
    const severity = parseSeverity(to);
    if (!severity) {
      return finishClick(click, env, 'Change severity', { status: 'invalid', reply: { title: 'Unknown severity', status: 'error', text: `"${to}" is not a severity; this button may come from an older version.`, ephemeral: true } });
    }
    const r = await changeSeverity(actingOf(click, env), id, severity);
    return finishClick(click, env, `Set ${severityLabel(severity)}`, changeOutcome(r, r.ok ? { title: `${id}: ${severityLabel(severity)}`, status: 'ok', text: `You set ${id} to ${severityLabel(severity)}.` } : undefined));
  },
};
