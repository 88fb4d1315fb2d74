import { z } from 'zod';
import { renderAlertsList } from '../alerts/alerts-list.js';
import { defineCommand } from '../core/spec.js';

export const alertsCommand = defineCommand({
  name: 'alerts',
  summary: 'List the firing alert groups: count, severity, since, who acknowledged them',
  usage: '/alerts [SERVICE]',
  params: [{ name: 'service', description: 'Only groups whose service label is this', type: 'string' }],
  args: z.object({ service: z.string().min(1).max(63).regex(/^\S+$/, 'must be one word, a service label such as api').optional() }),
  mutating: false,
  async run(ctx, args) {
    const store = ctx.ports.alerts;
    if (!store) {
      return { status: 'failed', reply: { title: '/alerts is not available', status: 'error', text: 'Alerts are not available in this Firebreak process (no alert store is wired).' } };
    }
    const firing = await store.firing(args.service ? { service: args.service } : {});
    return { status: 'ok', reply: renderAlertsList(firing, args.service, new Date()) };
  },
});
