import { z } from 'zod';
import type { Outcome } from '../core/outcome.js';
import type { FirebreakConfig } from '../config/schema.js';
import { defineCommand } from '../core/spec.js';
import { cut, duration } from '../core/text-format.js';
import { DEPLOY_ROLE, deployableServices, failed, finished, invalid, readyText, resolveService, runWithProgress, target, wholeNumber, wordArg } from './deploy-common.js';

/** Bounds of every service /scale could act on (a deploy config and replica bounds). */
function scalableBounds(config: FirebreakConfig): { min: number; max: number }[] {
  return Object.values(config.services).flatMap((s) => (s.deploy && s.replicas ? [s.replicas] : []));
}

/**
 * Discord checks the number before Firebreak sees it, so it gets the widest range any service
 * allows: the smallest min and the largest max. Each service's own bounds are still checked in run.
 */
function scaleReplicasMin(config: FirebreakConfig): number {
  const bounds = scalableBounds(config);
  return bounds.length > 0 ? Math.min(...bounds.map((b) => b.min)) : 0;
}

function scaleReplicasMax(config: FirebreakConfig): number | undefined {
  const bounds = scalableBounds(config);
  return bounds.length > 0 ? Math.max(...bounds.map((b) => b.max)) : undefined;
}

// belowMin: planned by a procedure step with below_min: true (a typed /scale never sets it).
const payloadSchema = z.object({ service: z.string(), replicas: z.number().int().nonnegative(), fromReplicas: z.number().int().nullable(), belowMin: z.boolean().optional() });

export const scaleCommand = defineCommand({
  name: 'scale',
  summary: 'Set a service’s replica count within its configured bounds, with confirmation',
  usage: '/scale SERVICE REPLICAS',
  params: [
    { name: 'service', description: 'A service with a deploy config', type: 'string', required: true, choices: deployableServices },
    { name: 'replicas', description: 'The new replica count (within the service’s bounds)', type: 'integer', required: true, min: scaleReplicasMin, max: scaleReplicasMax },
  ],
  args: z.object({ service: wordArg, replicas: wordArg }),
  role: DEPLOY_ROLE,
  mutating: true,
  async run(ctx, args): Promise<Outcome> {
    const r = resolveService(ctx, 'scale', args.service, 'scale');
    if (!r.ok) return r.outcome;
    const bounds = r.service.replicas;
    if (!bounds) return invalid(`${r.name} cannot be scaled`, `${r.name} has no replica bounds (services.${r.name}.replicas: { min, max }), so Firebreak will not scale it.`);
    if (r.deploy.kind === 'commands' && !r.deploy.scale) return invalid(`${r.name} cannot be scaled`, `${r.name} has no scale command configured (services.${r.name}.deploy.scale).`);
    const range = `${bounds.min}–${bounds.max}`;
    if (args.replicas === undefined || args.replicas === '') return invalid('/scale: how many replicas?', `Say how many: /scale ${r.name} REPLICAS (${r.name} allows ${range} replicas).`);
    const replicas = wholeNumber(args.replicas);
    if (replicas === null) return invalid('/scale: invalid replica count', `The replica count must be a whole number, not "${cut(args.replicas, 30)}"; ${r.name} allows ${range} replicas.`);
    // Only a procedure step that says below_min may go under the minimum (e.g. to 0 for a restore).
    const belowMin = ctx.procedureStep?.belowMin === true;
    if ((replicas < bounds.min && !belowMin) || replicas > bounds.max) return invalid('/scale: out of bounds', `${r.name} allows ${range} replicas; ${replicas} is outside that.`);

    let from: number | null = null;
    let fields = [{ label: 'Replicas', value: `→ ${replicas} (allowed ${range})` }];
    if (r.deploy.kind === 'kubernetes') {
      const read = await r.port.status(target(r));
      if (!read.ok) return failed(`Could not read ${r.name}`, `${read.problem} Nothing was changed.`);
      from = read.state.replicas;
      // A procedure plans its later steps before the earlier ones ran: there, no change is not an error.
      if (from === replicas && !ctx.procedureStep) return invalid(`${r.name} already has ${replicas} replicas`, `${r.name} already runs ${replicas} replicas (${readyText(read.state)}). Nothing to change.`);
      fields = [
        { label: 'Deployment', value: read.state.target },
        { label: 'Replicas', value: `${from ?? '?'} → ${replicas} (allowed ${range})` },
        { label: 'Now', value: readyText(read.state) },
      ];
    }
    const argv = r.port.describe(target(r), { kind: 'scale', replicas, expectCurrent: from });
    return {
      status: 'confirm',
      plan: {
        action: 'scale',
        payload: { service: r.name, replicas, fromReplicas: from, ...(belowMin ? { belowMin: true } : {}) },
        title: from !== null ? `Scale ${r.name} ${from} → ${replicas} replicas (allowed ${range})?` : `Scale ${r.name} to ${replicas} replicas (allowed ${range})?`,
        fields,
        // Zero is allowed when the bounds allow it, but it is an outage, not a resize: say so before the click.
        ...(replicas === 0 ? { note: `Scaling to 0 stops ${r.name}: no pod runs and it serves nothing until it is scaled up again.` } : {}),
        argv: argv ?? undefined,
        lease: `service:${r.name}`,
        role: DEPLOY_ROLE,
        confirmLabel: 'Scale',
      },
    };
  },
  async execute(ctx, step): Promise<Outcome> {
    const p = payloadSchema.safeParse(step.payload);
    if (!p.success) return failed('/scale: unreadable confirmation', 'This confirmation does not describe a scale Firebreak can run. Nothing was run; run the command again.');
    const r = resolveService(ctx, 'scale', p.data.service, 'scale');
    if (!r.ok) return failed(`${p.data.service} was not scaled`, `${r.outcome.status === 'confirm' ? '' : (r.outcome.reply.text ?? '')} Nothing was run.`);
    const { replicas, fromReplicas } = p.data;
    // Checked again: the bounds may have changed between the request and the click.
    const b = r.service.replicas;
    if (!b || (replicas < b.min && !p.data.belowMin) || replicas > b.max) return failed(`${r.name} was not scaled`, `${r.name} now allows ${b ? `${b.min}–${b.max}` : 'no'} replicas; ${replicas} no longer fits. Nothing was run.`);
    const result = await runWithProgress(ctx, r, { kind: 'scale', replicas, expectCurrent: fromReplicas }, `Scaling ${r.name} to ${replicas} replicas…`);
    const s = result.state;
    return finished(
      result,
      { title: `${r.name} scaled ${fromReplicas !== null ? `${fromReplicas} → ` : 'to '}${replicas} replicas${s && s.replicas !== null ? `, ${readyText(s)}` : ''} in ${duration(result.durationMs, 'seconds')}` },
      `Scaling ${r.name} failed after ${duration(result.durationMs, 'seconds')}`,
    );
  },
});
