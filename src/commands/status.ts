import { z } from 'zod';
import type { Outcome } from '../core/outcome.js';
import type { DeployPod } from '../core/ports.js';
import type { ReplyRow } from '../core/reply.js';
import { defineCommand } from '../core/spec.js';
import { deployableServices, failed, readyText, resolveService, target, wordArg } from './deploy-common.js';

export const statusCommand = defineCommand({
  name: 'status',
  summary: 'Show a service’s deployment: revision, image, ready replicas, recent revisions',
  usage: '/status SERVICE',
  params: [{ name: 'service', description: 'A service with a deploy config', type: 'string', required: true, choices: deployableServices }],
  args: z.object({ service: wordArg }),
  mutating: false,
  async run(ctx, args): Promise<Outcome> {
    const r = resolveService(ctx, 'status', args.service, 'inspect');
    if (!r.ok) return r.outcome;
    const read = await r.port.status(target(r));
    if (!read.ok) return failed(`Could not read ${r.name}`, read.problem);
    const s = read.state;
    if (r.deploy.kind === 'commands') {
      return {
        status: 'ok',
        reply: {
          title: `${r.name}: ${s.target}`,
          status: 'info',
          text: s.output === undefined ? `No status command is configured (services.${r.name}.deploy.status); Firebreak can still roll back, scale and restart it with the configured commands.` : undefined,
          code: s.output ? ctx.ports.redactor.redact(s.output) : undefined,
          fields: r.service.replicas ? [{ label: 'Allowed replicas', value: `${r.service.replicas.min}–${r.service.replicas.max}` }] : undefined,
        },
      };
    }
    const rows: ReplyRow[] = s.history.slice(0, 5).map((h) => ({
      status: h.revision === s.revision ? 'ok' : 'info',
      cells: [`${h.revision}${h.revision === s.revision ? ' (current)' : ''}`, h.image ?? '', h.changeCause ?? '—', h.createdAt ?? ''],
    }));
    const settled = s.replicas !== null && s.ready === s.replicas && s.updated === s.replicas;
    const troubled = (s.pods ?? []).filter((p) => !p.ready || p.restarts > 0);
    return {
      status: 'ok',
      reply: {
        title: `${r.name}: revision ${s.revision ?? '?'}, ${readyText(s)}`,
        status: settled && troubled.every((p) => p.ready) ? 'ok' : 'warning',
        text: settled ? undefined : `The rollout is in progress: ${s.updated ?? 0} of ${s.replicas ?? '?'} replicas updated, ${s.ready ?? 0} ready.`,
        fields: [
          { label: 'Deployment', value: s.target },
          { label: 'Image', value: s.image ?? 'unknown' },
          { label: 'Replicas', value: `${readyText(s)}${r.service.replicas ? ` (allowed ${r.service.replicas.min}–${r.service.replicas.max})` : ''}` },
          ...(s.pods ? [{ label: 'Pods', value: podsText(s.pods, troubled) }] : []),
        ],
        rows,
        context: rows.length > 0 ? `Last ${rows.length} revisions: revision, image, change cause, created` : undefined,
      },
    };
  },
});

/** The pods worth a look (not ready, or restarting), since "4/5 ready" alone does not say which or why. */
function podsText(pods: readonly DeployPod[], troubled: readonly DeployPod[]): string {
  if (pods.length === 0) return 'none';
  if (troubled.length === 0) return `${pods.length} running, no restarts`;
  const shown = troubled.slice(0, 5).map((p) => `${p.name}: ${p.ready ? 'ready' : p.state}, ${p.restarts} restart${p.restarts === 1 ? '' : 's'}`);
  const more = troubled.length > shown.length ? `; and ${troubled.length - shown.length} more` : '';
  return `${pods.length - troubled.length} of ${pods.length} healthy; ${shown.join('; ')}${more}`;
}
