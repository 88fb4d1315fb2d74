import { z } from 'zod';
import type { DeployRevision } from '../core/deploy-port.js';
import type { Outcome } from '../core/outcome.js';
import { defineCommand } from '../core/spec.js';
import { cut, duration } from '../core/text-format.js';
import { DEPLOY_ROLE, deployableServices, failed, finished, invalid, readyText, resolveService, runWithProgress, shortImage, target, wholeNumber, wordArg } from './deploy-common.js';

const payloadSchema = z.object({ service: z.string(), toRevision: z.number().int().positive().nullable(), fromRevision: z.number().int().nullable() });

/**
 * What the card should warn about: the same image (nothing but other settings change), or an
 * image newer than the current one (its replicaset was created later: typically the deploy a
 * previous rollback left, so this "rollback" moves forward again).
 */
function rollbackNote(to: DeployRevision, current: DeployRevision | undefined, image: string | null): string | null {
  if (to.image !== null && to.image === image) return `Revision ${to.revision} runs the same image as the current one; only the pod template's other settings change.`;
  const toAt = to.createdAt ? Date.parse(to.createdAt) : NaN;
  const currentAt = current?.createdAt ? Date.parse(current.createdAt) : NaN;
  if (toAt > currentAt) {
    return `Revision ${to.revision} (${shortImage(to.image)}) is newer than the current ${shortImage(image)}: this moves forward, to the image a rollback left. Name an older revision to go further back (/status lists them).`;
  }
  return null;
}

export const rollbackCommand = defineCommand({
  name: 'rollback',
  summary: 'Roll a service back to its previous revision (or a chosen one), with confirmation',
  usage: '/rollback SERVICE [REVISION]',
  params: [
    { name: 'service', description: 'A service with a deploy config', type: 'string', required: true, choices: deployableServices },
    { name: 'revision', description: 'The revision to return to (default: the previous one)', type: 'integer', min: 1 },
  ],
  args: z.object({ service: wordArg, revision: wordArg }),
  role: DEPLOY_ROLE,
  mutating: true,
  async run(ctx, args): Promise<Outcome> {
    const r = resolveService(ctx, 'rollback', args.service, 'roll back');
    if (!r.ok) return r.outcome;
    let requested: number | null = null;
    if (args.revision !== undefined) {
      requested = wholeNumber(args.revision);
      if (requested === null || requested < 1) return invalid('/rollback: invalid revision', `The revision must be a whole number such as 13, not "${cut(args.revision, 30)}". /status ${r.name} lists them.`);
    }

    if (r.deploy.kind === 'commands') {
      const argv = r.port.describe(target(r), { kind: 'rollback', toRevision: requested });
      if (!r.deploy.rollback) return invalid(`${r.name} cannot be rolled back`, `${r.name} has no rollback command configured (services.${r.name}.deploy.rollback).`);
      if (!argv) return invalid(`/rollback ${r.name} needs a revision`, `${r.name}'s rollback command needs a revision: /rollback ${r.name} REVISION.`);
      if (requested !== null && !r.deploy.rollback.some((a) => a.includes('{revision}'))) {
        return invalid(`/rollback ${r.name}: no revisions`, `${r.name}'s rollback command always returns to the previous deploy; run /rollback ${r.name} without a revision.`);
      }
      return {
        status: 'confirm',
        plan: {
          action: 'rollback',
          payload: { service: r.name, toRevision: requested, fromRevision: null },
          title: requested === null ? `Roll back ${r.name} to its previous deploy?` : `Roll back ${r.name} to revision ${requested}?`,
          fields: [{ label: 'Service', value: `${r.name} (deployed with commands)` }],
          argv,
          lease: `service:${r.name}`,
          role: DEPLOY_ROLE,
          confirmLabel: 'Roll back',
        },
      };
    }

    // Kubernetes: read the history so the card names both revisions and a wrong one is refused now.
    const read = await r.port.status(target(r));
    if (!read.ok) return failed(`Could not read ${r.name}`, `${read.problem} Nothing was changed.`);
    const s = read.state;
    const current = s.history.find((h) => h.revision === s.revision);
    // Newest first by revision number, as `kubectl rollout undo` counts "previous": after a rollback
    // the revision just left is the previous one, so its image may be newer than the current one.
    const older = s.history.filter((h) => h.revision !== s.revision).sort((a, b) => b.revision - a.revision);
    // After a /restart or a config-only change the previous revision runs the same image, and
    // "rolling back" to it would change nothing that matters: offer the newest different image.
    let to = older.find((h) => h.image !== s.image) ?? older[0];
    if (requested !== null) {
      if (requested === s.revision) return invalid(`${r.name} is already at revision ${requested}`, `${r.name} already runs revision ${requested} (${s.image ?? 'unknown image'}). Nothing to roll back.`);
      to = older.find((h) => h.revision === requested);
      if (!to) {
        const list = s.history.map((h) => h.revision).join(', ') || 'none';
        return invalid(`${r.name} has no revision ${requested}`, `${r.name} has no revision ${requested}; the revisions Kubernetes still keeps are ${list}.`);
      }
    }
    if (!to) return invalid(`${r.name} has nothing to roll back to`, `${r.name} has no earlier revision than ${s.revision ?? 'the current one'} in its history.`);
    const argv = r.port.describe(target(r), { kind: 'rollback', toRevision: to.revision });
    return {
      status: 'confirm',
      plan: {
        action: 'rollback',
        payload: { service: r.name, toRevision: to.revision, fromRevision: s.revision },
        title: `Roll back ${r.name} from revision ${s.revision ?? '?'} (${shortImage(s.image)}) to ${to.revision} (${shortImage(to.image)})?`,
        fields: [
          { label: 'Deployment', value: s.target },
          { label: 'Revision', value: `${s.revision ?? '?'} → ${to.revision}` },
          { label: 'Image', value: `${s.image ?? 'unknown'} → ${to.image ?? 'unknown'}` },
          ...(to.changeCause || current?.changeCause ? [{ label: 'Change cause', value: `${current?.changeCause ?? '—'} → ${to.changeCause ?? '—'}` }] : []),
          { label: 'Replicas', value: readyText(s) },
        ],
        ...(rollbackNote(to, current, s.image) ? { note: rollbackNote(to, current, s.image)! } : {}),
        argv: argv ?? undefined,
        lease: `service:${r.name}`,
        role: DEPLOY_ROLE,
        confirmLabel: 'Roll back',
      },
    };
  },
  async execute(ctx, step): Promise<Outcome> {
    const p = payloadSchema.safeParse(step.payload);
    if (!p.success) return failed('/rollback: unreadable confirmation', 'This confirmation does not describe a rollback Firebreak can run. Nothing was run; run the command again.');
    const r = resolveService(ctx, 'rollback', p.data.service, 'roll back');
    if (!r.ok) return failed(`${p.data.service} was not rolled back`, `${r.outcome.status === 'confirm' ? '' : (r.outcome.reply.text ?? '')} Nothing was run.`);
    const to = p.data.toRevision;
    if (p.data.fromRevision !== null) {
      // The card promised "from revision N". If someone deployed since, rolling back now would
      // silently throw their deploy away: refuse and let a person look again.
      const now = await r.port.status(target(r));
      if (!now.ok) return failed(`Could not read ${r.name}`, `${now.problem} Nothing was changed.`);
      if (now.state.revision !== p.data.fromRevision) {
        return failed(
          `${r.name} changed since this card was shown`,
          `${r.name} now runs revision ${now.state.revision ?? '?'} (${shortImage(now.state.image)}), not ${p.data.fromRevision} as the card said. Nothing was run; run /rollback ${r.name} again to see the new state.`,
        );
      }
    }
    const result = await runWithProgress(ctx, r, { kind: 'rollback', toRevision: to }, `Rolling back ${r.name}${to !== null ? ` to revision ${to}` : ''}…`);
    const s = result.state;
    const where = to !== null ? `revision ${to}` : 'its previous deploy';
    const ready = s && s.replicas !== null ? `, ${readyText(s)}` : '';
    return finished(
      result,
      {
        title: `${r.name} rolled back to ${where}${s?.image ? ` (${shortImage(s.image)})` : ''}${ready} in ${duration(result.durationMs, 'seconds')}`,
        text: s?.revision !== null && s?.revision !== undefined && to !== null && s.revision !== to ? `Kubernetes records the rollback as revision ${s.revision}.` : undefined,
        fields: s && s.image ? [{ label: 'Image', value: s.image }] : undefined,
      },
      `Rollback of ${r.name} failed after ${duration(result.durationMs, 'seconds')}`,
    );
  },
});
