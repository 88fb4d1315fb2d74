import { z } from 'zod';
import type { Outcome } from '../core/outcome.js';
import { defineCommand } from '../core/spec.js';
import { duration } from '../core/text-format.js';
import { DEPLOY_ROLE, deployableServices, failed, finished, invalid, readyText, resolveService, runWithProgress, shortImage, target, wordArg } from './deploy-common.js';

const payloadSchema = z.object({ service: z.string() });

export const restartCommand = defineCommand({
  name: 'restart',
  summary: 'Restart a service (rolling restart on Kubernetes), with confirmation',
  usage: '/restart SERVICE',
  params: [{ name: 'service', description: 'A service with a deploy config', type: 'string', required: true, choices: deployableServices }],
  args: z.object({ service: wordArg }),
  role: DEPLOY_ROLE,
  mutating: true,
  async run(ctx, args): Promise<Outcome> {
    const r = resolveService(ctx, 'restart', args.service, 'restart');
    if (!r.ok) return r.outcome;
    if (r.deploy.kind === 'commands' && !r.deploy.restart) return invalid(`${r.name} cannot be restarted`, `${r.name} has no restart command configured (services.${r.name}.deploy.restart).`);
    let title = `Restart ${r.name}?`;
    let fields = [{ label: 'Service', value: `${r.name} (deployed with commands)` }];
    if (r.deploy.kind === 'kubernetes') {
      const read = await r.port.status(target(r));
      if (!read.ok) return failed(`Could not read ${r.name}`, `${read.problem} Nothing was changed.`);
      const s = read.state;
      title = `Restart ${r.name} (rolling restart of ${s.replicas ?? '?'} pods, ${shortImage(s.image)})?`;
      fields = [
        { label: 'Deployment', value: s.target },
        { label: 'Revision', value: `${s.revision ?? '?'} (${s.image ?? 'unknown image'})` },
        { label: 'Replicas', value: readyText(s) },
      ];
    }
    const argv = r.port.describe(target(r), { kind: 'restart' });
    return {
      status: 'confirm',
      plan: { action: 'restart', payload: { service: r.name }, title, fields, argv: argv ?? undefined, lease: `service:${r.name}`, role: DEPLOY_ROLE, confirmLabel: 'Restart' },
    };
  },
  async execute(ctx, step): Promise<Outcome> {
    const p = payloadSchema.safeParse(step.payload);
    if (!p.success) return failed('/restart: unreadable confirmation', 'This confirmation does not describe a restart Firebreak can run. Nothing was run; run the command again.');
    const r = resolveService(ctx, 'restart', p.data.service, 'restart');
    if (!r.ok) return failed(`${p.data.service} was not restarted`, `${r.outcome.status === 'confirm' ? '' : (r.outcome.reply.text ?? '')} Nothing was run.`);
    const result = await runWithProgress(ctx, r, { kind: 'restart' }, `Restarting ${r.name}…`);
    const s = result.state;
    return finished(
      result,
      { title: `${r.name} restarted${s && s.replicas !== null ? `: ${readyText(s)}` : ''} in ${duration(result.durationMs, 'seconds')}`, text: s?.revision ? `Kubernetes records the restart as revision ${s.revision}.` : undefined },
      `Restart of ${r.name} failed after ${duration(result.durationMs, 'seconds')}`,
    );
  },
});
