import { z } from 'zod';
import { LIST_LIMIT, renderAlertsList } from '../alerts/alerts-list.js';
import { defineAppCommand } from '../app/command.js';

export const alertsCommand = defineAppCommand({
  name: 'alerts',
  summary: 'List the firing alert groups: count, severity, since, who acknowledged them',
  usage: '/alerts [SERVICE]',
  params: [{ name: 'service', description: 'Only groups whose service label is this', type: 'string' }],
  args: z.object({ service: z.string().min(1).max(63).regex(/^\S+$/, 'must be one word, a service label such as api').optional() }),
  mutating: false,
  async run(ctx, args) {
    const firing = await ctx.ports.alerts.firing({ ...(args.service ? { service: args.service } : {}), limit: LIST_LIMIT });
    return { status: 'ok', reply: renderAlertsList(firing, args.service, new Date()) };
  },
});
