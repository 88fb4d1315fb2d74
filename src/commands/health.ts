import { z } from 'zod';
import { didYouMean } from '../config/did-you-mean.js';
import { healthTargets } from '../core/health-targets.js';
import { actionIds } from '../core/dispatcher.js';
import { defineCommand } from '../core/spec.js';
import type { ReplyRow } from '../core/reply.js';

export const healthCommand = defineCommand({
  name: 'health',
  summary: 'Check every service and datastore: up/down, latency, what failed',
  usage: '/health [SERVICE]',
  params: [
    {
      name: 'service',
      description: 'Only this service or datastore',
      type: 'string',
      choices: (config) => healthTargets(config).map((t) => t.name),
    },
  ],
  args: z.object({ service: z.string().max(63).optional() }),
  mutating: false,
  async run(ctx, args) {
    const all = healthTargets(ctx.config);
    let targets = all;
    // Names in the config are lowercase; `/health API` means api.
    const only = args.service?.toLowerCase();
    if (only !== undefined) {
      targets = all.filter((t) => t.name === only);
      if (targets.length === 0) {
        const names = all.map((t) => t.name);
        const known = names.join(', ') || '(none configured)';
        const noCheck = Object.hasOwn(ctx.config.services, only);
        return {
          status: 'invalid',
          reply: {
            title: 'Unknown service',
            status: 'error',
            text: noCheck
              ? `${only} has no health check configured (services.${only}.health). Checked services: ${known}.`
              : `There is no service or datastore called "${args.service}".${didYouMean(only, names)} Known: ${known}.`,
            ephemeral: true,
          },
        };
      }
    }
    if (targets.length === 0) {
      return { status: 'ok', reply: { title: 'Health — nothing to check', status: 'info', text: 'No services or datastores with health checks are configured.' } };
    }
    const started = performance.now();
    const results = await Promise.all(targets.map(async (t) => ({ t, r: await ctx.ports.health.probe(t.check) })));
    const elapsed = Math.round(performance.now() - started);
    // A warning (a certificate expiring soon) is up, but not counted as OK and shown with its reason.
    const okCount = results.filter((x) => x.r.ok && !x.r.warning).length;
    const rows: ReplyRow[] = results.map(({ t, r }) => ({
      status: !r.ok ? 'error' : r.warning ? 'warning' : 'ok',
      cells:
        r.ok && !r.warning
          ? [t.name, t.check.type, `${r.latencyMs} ms`, [r.target, r.detail].filter((s) => s && s !== 'embedded PGlite').join(', ') || r.target]
          : [t.name, t.check.type, r.detail, r.target],
    }));
    const failed = results.filter((x) => !x.r.ok).map((x) => x.t.name);
    const warned = results.filter((x) => x.r.ok && x.r.warning).map((x) => x.t.name);
    const allOk = failed.length === 0;
    const warnings = warned.length === 0 ? '' : `, ${warned.length} warning${warned.length === 1 ? '' : 's'}`;
    const text = [failed.length > 0 ? `Failing: ${failed.join(', ')}` : '', warned.length > 0 ? `Warning: ${warned.join(', ')}` : ''].filter((l) => l !== '').join('\n');
    return {
      status: allOk ? 'ok' : 'failed',
      reply: {
        title: `Health — ${okCount} of ${results.length} check${results.length === 1 ? '' : 's'} OK${warnings} (checked in ${elapsed} ms)`,
        status: !allOk ? 'error' : warned.length > 0 ? 'warning' : 'ok',
        rows,
        text: text === '' ? undefined : text,
        buttons: [{ actionId: actionIds.run(only ? `/health ${only}` : '/health'), label: 'Re-check' }],
      },
    };
  },
});
