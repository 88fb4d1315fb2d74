import { currentCard } from '../../alerts/current-card.js';
import type { ButtonHandler } from '../../core/button-handlers.js';
import { declareForAlertGroup } from '../alert-incidents.js';
import { declaredReply } from '../declare.js';
import { finishClick, refusedHere } from './button-outcome.js';

/**
 * `inc-open:<alertGroupId>` (Open incident on an alert card): declares the incident for that alert
 * group, titled and rated from the alert, led by the person who clicked. The source is the group,
 * so clicking twice, two people clicking, or two replicas handling the clicks open one incident.
 */
export const openIncidentButton: ButtonHandler = {
  prefix: 'inc-open',
  kind: 'handler',
  metricLabel: '(incident open)',
  async handle(click, env) {
    const refused = refusedHere(click, env, 'Open incident');
    if (refused) return finishClick(click, env, 'Open incident', refused);
    const group = /^\d{1,18}$/.test(click.arg) ? await env.ports.alerts.get(click.arg) : null;
    if (!group) {
      return finishClick(click, env, 'Open incident', {
        status: 'invalid',
        reply: { title: 'Unknown alert', status: 'error', text: `Alert group ${click.arg} is not in the store (any more); declare with /incident declare "title".`, ephemeral: true },
      });
    }
    const d = await declareForAlertGroup({ config: env.config, ports: env.ports }, group, {
      by: click.inv.actor,
      lead: click.inv.actor,
      platform: click.inv.channel.platform,
      invocationId: click.invocationId,
      from: click.inv.channel,
    });
    const { reply, placement } = declaredReply(d, click.inv.actor, env.config);
    // The clicked alert card names its incident now (and loses the button) for everyone.
    const card = await currentCard(env.ports.alerts, env.config, group.id, env.now());
    return finishClick(click, env, 'Open incident', { status: 'ok', reply, placement, incidentId: d.incident.id, ...(card ? { sourceUpdate: card.reply } : {}) });
  },
};
