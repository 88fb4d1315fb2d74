import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { Actor } from '../core/identity.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { ProceduresPorts } from '../procedures/ports.js';
import { firstNotReadOnlyStep } from '../procedures/read-only.js';
import { postScheduledConfirmation } from '../procedures/scheduled-card.js';
import { runUnattended, showInIncidentsChannel } from '../procedures/unattended-run.js';
import { CronSlots } from './cron-slots.js';

/** Who a scheduled procedure is requested by: on its card, its run and the timeline. */
export const SCHEDULE_ACTOR: Actor = { platform: 'system', id: 'schedule', name: 'schedule' };

export type ProcedureSlotOutcome =
  /** A read-only procedure ran (its report is in the incidents channel), `ok` or not. */
  | { kind: 'ran'; ok: boolean; runId: string }
  /** A procedure that changes things: its confirmation card was posted; nothing ran. */
  | { kind: 'card'; runId: string; confirmationId: string }
  /** Another replica (or an earlier fire) has this slot. */
  | { kind: 'slot-taken' }
  /** Shutting down: not claimed, so another replica can take it. */
  | { kind: 'stopping' }
  /** Nothing ran; the reason was reported in the incidents channel. */
  | { kind: 'refused'; text: string }
  | { kind: 'failed'; error: string };

export function proceduresScheduled(config: FirebreakConfig): boolean {
  return Object.values(config.procedures).some((p) => p.schedule !== undefined);
}

/**
 * Scheduled procedures on every replica: the same cron (UTC) everywhere, each slot claimed once in
 * the store (procedure_slots). A read-only procedure runs unattended and its card, updated as it
 * runs, is the report in the incidents channel; one with a step that changes things posts its
 * confirmation card there instead, for a person to confirm.
 */
export class ProcedureScheduler<P extends ProceduresPorts & PipelinePorts<P>> implements BackgroundWorker {
  readonly name = 'procedure schedule';
  /** node-cron's day-of-month-and-weekday rule (both must match), which these schedules were written against. */
  private readonly slots = new CronSlots((name, when) => this.fireSlot(name, when), { domAndDow: true });

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: P,
  ) {}

  start(): void {
    if (this.slots.stopping) return;
    const crons = Object.entries(this.config.procedures).flatMap(([name, p]) => (p.schedule === undefined ? [] : [{ name, cron: p.schedule }]));
    // The config's check refused these already (config/cron-expression.ts), so this is only in case.
    for (const r of this.slots.start(crons)) this.ports.logger.error({ procedure: r.name, schedule: r.cron }, `procedures.${r.name}: schedule "${r.cron}" is not a valid cron expression (${r.problem}); it will not run on a schedule`);
    const started: string[] = [];
    for (const [name, p] of Object.entries(this.config.procedures)) {
      if (p.schedule === undefined) continue;
      const step = firstNotReadOnlyStep(this.config, p, this.ports.registry);
      started.push(step ? `${name} (${p.schedule}; posts a confirmation card: ${step.label} is not read-only)` : `${name} (${p.schedule}; runs unattended)`);
    }
    if (started.length > 0) this.ports.logger.info({ procedures: started }, `scheduled procedures: ${started.join(', ')}`);
  }

  /** One slot of one procedure, if this replica claims it. Never throws. */
  fire(name: string, when: Date): Promise<ProcedureSlotOutcome> {
    return this.slots.fire(name, when);
  }

  private async fireSlot(name: string, when: Date): Promise<ProcedureSlotOutcome> {
    // The slot is the scheduled time to the second: the same on every replica whatever its delay.
    const slot = new Date(Math.floor(when.getTime() / 1000) * 1000).toISOString();
    if (this.slots.stopping || this.ports.steps.stopping) return { kind: 'stopping' };
    const show = showInIncidentsChannel(this.config, this.ports, `procedure-schedule:${name}:${slot}`);
    const trigger = `schedule ${this.config.procedures[name]?.schedule ?? ''}, slot ${slot}`;
    try {
      if (!(await this.ports.procedureRuns.claimSlot(name, slot))) return { kind: 'slot-taken' };
      const p = this.config.procedures[name];
      const readOnly = p !== undefined && firstNotReadOnlyStep(this.config, p, this.ports.registry) === null;
      if (readOnly) {
        const r = await runUnattended(this.config, this.ports, { procedure: name, actor: SCHEDULE_ACTOR, trigger, show });
        if (r.kind === 'ran') return { kind: 'ran', ok: r.ok, runId: r.run.id };
        const text = r.kind === 'refused' ? (r.reply.text ?? r.reply.title) : `${r.step.label} is not read-only`;
        await show({ title: `Scheduled procedure ${name} did not run`, status: 'error', text, context: trigger });
        return { kind: 'refused', text };
      }
      const r = await postScheduledConfirmation(this.config, this.ports, { procedure: name, actor: SCHEDULE_ACTOR, trigger, show });
      if (r.kind === 'posted') return { kind: 'card', runId: r.runId, confirmationId: r.confirmationId };
      await show({ ...r.reply, context: trigger });
      return { kind: 'refused', text: r.reply.text ?? r.reply.title };
    } catch (err) {
      const error = this.ports.redactor.redact(err instanceof Error ? err.message : String(err));
      this.ports.logger.error({ procedure: name, slot, err: error }, `scheduled procedure ${name} (${slot}) could not run: ${error}`);
      await show({ title: `Scheduled procedure ${name} could not run`, status: 'error', text: error, context: trigger });
      return { kind: 'failed', error };
    }
  }

  /**
   * Stops the cron and claims nothing more; a run in progress is the step drain's (it came first),
   * so this only waits, within the deadline, for the slots in hand to record and show their end.
   */
  stop(opts?: StopBy): Promise<void> {
    return this.slots.stop(opts);
  }
}
