import { randomUUID } from 'node:crypto';
import type { FirebreakConfig } from '../config/schema.js';
import { displayArgv } from './argv-display.js';
import { alreadyRunning, type Refusal } from './authorize.js';
import { commandContext, runSafely } from './command-context.js';
import { confirmationCard } from './confirmation-card.js';
import type { DispatchResult, Invocation, ReplySink } from './invocation.js';
import type { InvocationRecorder } from './invocation-recorder.js';
import { NOT_RECORDED_YET } from './not-recorded.js';
import type { Outcome, PlannedStep } from './outcome.js';
import type { Confirmation } from './ports.js';
import type { Reply } from './reply.js';
import type { ConfirmationDecisions } from './button-handlers.js';
import type { CommandDescription } from './command-catalog.js';
import type { PipelinePorts } from './pipeline-ports.js';
import type { AnyCommandSpec } from './spec.js';
import { interruptedText, shuttingDownReply, stepRefusal } from './step-plan.js';
import type { StepEnd } from './step-runner.js';
import { cut } from './text-format.js';

const LEASE_TTL_MS = 60_000;

/**
 * Mutating steps: the card (plan stored), then Confirm — through the step runner: role, second
 * person, lease, decide exactly once, run under the lease, record — or Cancel. Every path ends in
 * one recorded outcome.
 */
export class ConfirmationFlow<P extends PipelinePorts<P>> implements ConfirmationDecisions {
  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: P,
    private readonly recorder: InvocationRecorder,
    private readonly now: () => Date,
  ) {}

  async request(invocationId: string, inv: Invocation, spec: Pick<CommandDescription, 'name'>, text: string, plan: PlannedStep, sink: ReplySink): Promise<DispatchResult> {
    const refusal = stepRefusal(this.config, plan, { actor: inv.actor, what: `/${spec.name}` });
    if (refusal) return this.recorder.finish(invocationId, inv, spec.name, text, refusal);
    // Busy now → say so instead of a card: a card drawn while another operation is changing the
    // target shows a state that is about to be wrong (a second /rollback would offer the bad image).
    const busy = await this.ports.leases.current(plan.lease);
    if (busy) return this.recorder.finish(invocationId, inv, spec.name, text, alreadyRunning(busy, null));
    const id = randomUUID().replace(/-/g, '').slice(0, 20);
    const expiresAt = new Date(this.now().getTime() + this.config.confirmations.ttl_s * 1000);
    const redactor = this.ports.redactor;
    const card = confirmationCard(id, plan, inv.actor, Math.round((expiresAt.getTime() - this.now().getTime()) / 60_000), redactor);
    const pending = { status: 'pending' as const, reply: card };
    const event = this.recorder.event(invocationId, inv, spec.name, text, pending, { plannedArgv: plan.argv, detail: { confirmation: id, plan: plan.title } });
    await this.ports.transactor.atomically(async (tx) => {
      await tx.confirmations.create({
        id,
        invocationId,
        command: spec.name,
        // Only what people read is masked. The payload, lease and role are validated config names and
        // typed values that execute needs verbatim: masking one that happens to equal a secret's value
        // would make the confirmed step differ from the one shown.
        plan: {
          ...plan,
          title: redactor.redact(plan.title),
          fields: plan.fields ? redactor.redactValue(plan.fields) : undefined,
          argv: plan.argv ? redactor.redactArgv(plan.argv) : undefined,
          note: plan.note ? redactor.redact(plan.note) : undefined,
        },
        requestedBy: inv.actor,
        channel: inv.channel,
        incidentId: inv.incidentId ?? null,
        expiresAt,
      });
      await tx.timeline.record(event);
    });
    const result = this.recorder.result(invocationId, pending);
    if (!inv.autoConfirm) return result;
    if (plan.approval === 'second-person') {
      return {
        ...result,
        reply: { ...result.reply, text: `${result.reply.text ?? ''}\n--yes cannot approve this: a second person must confirm it from chat or with \`firebreak run\` as themselves.`.trim() },
      };
    }
    return this.confirm(invocationId, inv, id, sink);
  }

  async cancel(invocationId: string, press: Invocation, id: string): Promise<DispatchResult> {
    const c = await this.loadPending(invocationId, press, id, 'cancel');
    if (!('plan' in c)) return c;
    // Cancelled where the request counted: its incident's "what we ran" shows it cancelled, not waiting.
    const inv: Invocation = c.incidentId ? { ...press, incidentId: c.incidentId } : press;
    const outcome = {
      status: 'cancelled' as const,
      reply: { title: `Cancelled: ${c.plan.title}`, status: 'info' as const, text: `Cancelled by ${inv.actor.name}. Nothing was run.` },
    };
    const event = this.recorder.event(invocationId, inv, c.command, `(cancel) ${c.plan.title}`, outcome, { detail: { confirmation: id } });
    const decided = await this.ports.transactor.atomically(async (tx) => {
      const d = await tx.confirmations.decide(id, 'cancelled', inv.actor);
      if (d) await tx.timeline.record(event);
      return d;
    });
    if (!decided) return this.undecided(invocationId, inv, id, 'cancel');
    return this.recorder.result(invocationId, outcome);
  }

  async confirm(invocationId: string, press: Invocation, id: string, sink: ReplySink): Promise<DispatchResult> {
    const c = await this.loadPending(invocationId, press, id, 'confirm');
    if (!('plan' in c)) return c;
    // The step counts for the incident its request counted for, wherever Confirm is pressed.
    const inv: Invocation = c.incidentId ? { ...press, incidentId: c.incidentId } : press;
    const label = `(confirm) ${c.plan.title}`;
    const spec = this.ports.registry.get(c.command);
    if (!spec?.execute) throw new Error(`confirmation ${id} names /${c.command}, which cannot execute steps`);
    const base = { invocationId: c.invocationId, incidentId: inv.incidentId ?? null, channel: inv.channel, command: c.command, actor: inv.actor, text: c.plan.title, argv: c.plan.argv ?? null };
    let decided: Confirmation | null = null;
    // The lease is taken before the confirmation is claimed, so a busy target leaves it usable for a later try.
    const run = await this.ports.steps.run({
      id,
      plan: c.plan,
      actor: inv.actor,
      authority: { config: this.config, requestedBy: c.requestedBy, what: `confirming /${c.command}` },
      leaseTtlMs: LEASE_TTL_MS,
      // Decided and recorded together, and before anything runs: if this write fails, nothing runs.
      begin: async () => {
        decided = await this.ports.transactor.atomically(async (tx) => {
          const d = await tx.confirmations.decide(id, 'confirmed', inv.actor);
          if (!d) return null;
          await tx.timeline.record({ ...base, kind: 'confirmation.confirmed', detail: { confirmation: c.id, requestedBy: c.requestedBy.name } });
          await tx.timeline.record({ ...base, kind: 'action.started' });
          return d;
        });
        return decided !== null;
      },
      execute: (signal) => this.execute(inv, spec, decided!, sink, signal),
      finish: async (end) => {
        try {
          return await this.finishStep(inv, decided!, end);
        } finally {
          // Under the lease still: once released, a step not marked finished is taken for one whose process died.
          await this.ports.confirmations.markFinished(id).catch((err: unknown) =>
            this.ports.logger.warn({ confirmation: id, err: this.ports.redactor.redact(String(err)) }, `could not mark "${decided!.plan.title}" finished; the interrupted-step sweep may also report it`),
          );
        }
      },
    }, this.ports);
    switch (run.kind) {
      case 'done':
        return run.result;
      case 'refused':
        return this.recorder.finish(invocationId, inv, c.command, label, run.refusal);
      case 'busy':
        return this.recorder.finish(invocationId, inv, c.command, label, alreadyRunning(run.heldBy, c));
      case 'stopping':
        return this.recorder.finish(invocationId, inv, c.command, label, {
          status: 'denied',
          reply: shuttingDownReply(c.plan.title, 'the confirmation is still open: press it again in a minute, when another Firebreak (or this one, restarted) takes it.'),
        });
      case 'not-begun':
        return this.undecided(invocationId, inv, id, 'confirm');
    }
  }

  private async execute(inv: Invocation, spec: AnyCommandSpec<P>, c: Confirmation, sink: ReplySink, signal: AbortSignal): Promise<Outcome> {
    const redactor = this.ports.redactor;
    await sink.progress({ title: `Running: ${c.plan.title}`, status: 'pending', context: `Confirmed by ${inv.actor.name}`, code: c.plan.argv ? displayArgv(c.plan.argv, redactor) : undefined });
    const ctx = commandContext(this.config, this.ports, c.invocationId, inv, `/${c.command}`, sink, signal);
    return runSafely(this.ports, spec, () => spec.execute!(ctx, c.plan), 'execute');
  }

  /** The step's one `action.finished` event and the reply: what it did, or that shutdown interrupted it. */
  private async finishStep(inv: Invocation, c: Confirmation, end: StepEnd<Outcome>): Promise<DispatchResult> {
    if (end.kind === 'threw') throw end.error;
    let outcome: Outcome;
    if (end.kind === 'interrupted') {
      const text = interruptedText(c.plan.title);
      outcome = { status: 'failed', recordedAs: 'interrupted', reply: { title: `Interrupted by shutdown: ${c.plan.title}`, status: 'error', text } };
    } else {
      outcome = end.value;
    }
    if (outcome.status === 'confirm') throw new Error(`/${c.command} planned another step from execute; that is not supported`);
    const execution = 'execution' in outcome ? outcome.execution : undefined;
    const interrupted = end.kind === 'interrupted';
    // It ran: an unreachable store must not turn that into "nothing was run". The event waits in memory.
    const recorded = await this.ports.timeline.recordOrKeep({
      invocationId: c.invocationId,
      incidentId: inv.incidentId ?? null,
      channel: inv.channel,
      command: c.command,
      kind: 'action.finished',
      actor: inv.actor,
      text: c.plan.title,
      argv: execution?.argv ?? c.plan.argv ?? null,
      exitCode: execution?.exitCode ?? null,
      outcome: interrupted ? 'interrupted' : outcome.status,
      output: interrupted ? (outcome.reply.text ?? null) : (execution?.output ?? null),
      durationMs: Math.round(execution?.durationMs ?? end.durationMs),
      detail: { ...('detail' in outcome ? outcome.detail : {}), confirmation: c.id, confirmedBy: inv.actor.name, title: outcome.reply.title, ...(interrupted ? { interrupted: 'shutdown' } : {}) },
    });
    const reply: Reply = {
      ...outcome.reply,
      context: [outcome.reply.context, `Requested by ${c.requestedBy.name} · confirmed by ${inv.actor.name}`, recorded === 'kept' ? NOT_RECORDED_YET : null].filter(Boolean).join(' · '),
    };
    return this.recorder.result(c.invocationId, { ...outcome, reply });
  }

  private async loadPending(invocationId: string, inv: Invocation, id: string, verb: string): Promise<Confirmation | DispatchResult> {
    const c = await this.ports.confirmations.get(id);
    const label = `(${verb} ${cut(id, 24)})`;
    if (!c) {
      return this.recorder.finish(invocationId, inv, null, label, {
        status: 'invalid',
        reply: { title: 'Unknown confirmation', status: 'error', text: 'This confirmation does not exist (any more). Run the command again.', ephemeral: true },
      });
    }
    if (c.status !== 'pending') {
      const by = c.decidedBy?.name ?? 'someone';
      const at = c.decidedAt ? c.decidedAt.toISOString() : '';
      return this.recorder.finish(invocationId, inv, c.command, label, {
        status: 'invalid',
        reply: { title: `Already ${c.status}`, status: 'info', text: `${c.plan.title} was already ${c.status} by ${by} at ${at}. Nothing more was run.`, ephemeral: true },
      });
    }
    if (c.expiresAt.getTime() <= this.now().getTime()) return this.expired(invocationId, inv, c, label);
    return c;
  }

  private expired(invocationId: string, inv: Invocation, c: Confirmation, label: string): Promise<DispatchResult> {
    const refusal: Refusal = {
      status: 'invalid',
      reply: { title: 'Confirmation expired', status: 'error', text: `This confirmation expired at ${c.expiresAt.toISOString()}. Nothing was run; run the command again for a fresh one.`, ephemeral: true },
    };
    return this.recorder.finish(invocationId, inv, c.command, label, refusal);
  }

  /**
   * The store refused to decide: someone else decided first, or the store's clock says it expired
   * although ours did not yet. Either way the person gets a reply, never a half-made result.
   */
  private async undecided(invocationId: string, inv: Invocation, id: string, verb: string): Promise<DispatchResult> {
    const again = await this.loadPending(invocationId, inv, id, verb);
    return 'plan' in again ? this.expired(invocationId, inv, again, `(${verb} ${cut(id, 24)})`) : again;
  }
}
