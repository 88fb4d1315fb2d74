import { z } from 'zod';
import { currentCard } from '../../alerts/current-card.js';
import { defineButton } from '../../core/button-handlers.js';
import type { Reply } from '../../core/reply.js';
import { declareForAlertGroup } from '../alert-incidents.js';
import { declaredReply } from '../declare.js';
import { incidentRecord, type IncidentButtonEnv } from './button-outcome.js';

const unknownAlert = (arg: string): Reply => ({
  title: 'Unknown alert',
  status: 'error',
  text: `Alert group ${arg} is not in the store (any more); declare with /incident declare "title".`,
  ephemeral: true,
});

/**
 * `inc-open:<alertGroupId>` (Open incident on an alert card): declares the incident for that alert
 * group, titled and rated from the alert, led by the person who clicked. The source is the group,
 * so clicking twice, two people clicking, or two replicas handling the clicks open one incident.
 */
export const openIncidentButton = defineButton({
  prefix: 'inc-open',
  kind: 'handler',
  metricLabel: '(incident open)',
  name: 'Open incident',
  outsideAllowedChannels: false,
  payload: z.string().regex(/^\d{1,18}$/),
  malformed: unknownAlert,
  record: (arg) => incidentRecord('Open incident', arg),
  async handle(press, env: IncidentButtonEnv) {
    const group = await env.ports.alerts.get(press.payload);
    if (!group) return { status: 'invalid', reply: unknownAlert(press.payload) };
    const d = await declareForAlertGroup({ config: env.config, ports: env.ports }, group, {
      by: press.inv.actor,
      lead: press.inv.actor,
      platform: press.inv.channel.platform,
      invocationId: press.invocationId,
      from: press.inv.channel,
    });
    const { reply, placement } = declaredReply(d, press.inv.actor, env.config);
    // The clicked alert card names its incident now (and loses the button) for everyone.
    const card = await currentCard(env.ports.alerts, env.config, group.id, env.now());
    return { status: 'ok', reply, placement, incidentId: d.incident.id, ...(card ? { sourceUpdate: card.reply } : {}) };
  },
});
