import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { confirmationCard } from '../core/confirmation-card.js';
import type { Actor } from '../core/identity.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { Reply } from '../core/reply.js';
import { parseParams } from '../core/action-params.js';
import { procedureOwner } from './params.js';
import { planRun, runPlan } from './plan.js';
import type { ProceduresPorts } from './ports.js';
import { systemChannel } from './unattended-run.js';

export type ScheduledCardResult = { kind: 'posted'; runId: string; confirmationId: string; card: Reply } | { kind: 'refused'; reply: Reply };

/**
 * A procedure with a step that changes things, due on its schedule: nothing runs. Its run is planned
 * with its params' defaults (every step checked now, as /procedure would) and stored pending, and
 * its confirmation card — the same as `/procedure NAME` shows, requested by `actor` (the schedule)
 * — is shown through `show`. A person with the procedure's role (and every step's) confirms it, on
 * any replica, before it expires (confirmations.ttl_s); the schedule never counts as a second person.
 */
export async function postScheduledConfirmation<P extends ProceduresPorts & PipelinePorts<P>>(
  config: FirebreakConfig,
  ports: P,
  req: { procedure: string; actor: Actor; trigger: string; show(reply: Reply): Promise<void> },
): Promise<ScheduledCardResult> {
  const name = req.procedure;
  const p = Object.hasOwn(config.procedures, name) ? config.procedures[name] : undefined;
  if (!p) return { kind: 'refused', reply: { title: `Procedure ${name} is not configured`, status: 'error', text: `There is no procedure "${name}" in the config. Nothing was run.` } };
  const checked = parseParams(procedureOwner(name, p), [], { oneWord: true });
  if (!checked.ok) return { kind: 'refused', reply: { title: `Scheduled procedure ${name}: no card`, status: 'error', text: checked.message } };
  const channel = systemChannel(config);
  const invocationId = randomUUID();
  const planned = await planRun(config, ports, name, p, checked.values, { actor: req.actor, channel, invocationId, incidentId: null }, { bySystem: true });
  if (!('run' in planned)) {
    const why = 'reply' in planned ? (planned.reply.text ?? planned.reply.title) : 'it did not plan';
    return { kind: 'refused', reply: { title: `Scheduled procedure ${name}: no card`, status: 'error', text: `${why} (${req.trigger})` } };
  }
  const run = planned.run;
  await ports.procedureRuns.create(run);
  const plan = runPlan(run, p, planned.secondPerson, ports.redactor);
  const id = randomUUID().replace(/-/g, '').slice(0, 20);
  const ttlMs = config.confirmations.ttl_s * 1000;
  const redactor = ports.redactor;
  await ports.transactor.atomically(async (tx) => {
    await tx.confirmations.create({
      id,
      invocationId,
      command: 'procedure',
      // As the confirmation flow stores it: only what people read is masked.
      plan: { ...plan, title: redactor.redact(plan.title), fields: plan.fields ? redactor.redactValue(plan.fields) : undefined, note: plan.note ? redactor.redact(plan.note) : undefined },
      requestedBy: req.actor,
      channel,
      incidentId: null,
      expiresAt: new Date(Date.now() + ttlMs),
    });
    await tx.timeline.record({ invocationId, kind: 'confirmation.requested', actor: req.actor, channel, command: 'procedure', text: `/procedure ${name}`, outcome: 'pending', detail: { confirmation: id, plan: plan.title, run: run.id, trigger: req.trigger } });
  });
  const card = confirmationCard(id, plan, req.actor, Math.round(ttlMs / 60_000), redactor);
  const shown: Reply = { ...card, context: `${card.context ?? ''} · ${req.trigger}` };
  await req.show(shown);
  return { kind: 'posted', runId: run.id, confirmationId: id, card: shown };
}
