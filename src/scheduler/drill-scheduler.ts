import type { IngestResult } from '../alerts/alert-store.js';
import { runDrill } from '../alerts/drill.js';
import { DRILL_MARK, planDrillAlert } from '../alerts/drill-alert.js';
import type { AlertNotification } from '../alerts/model.js';
import type { AlertsPorts } from '../alerts/ports.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { Actor } from '../core/identity.js';
import { drillIncidents } from '../incidents/drill-incident.js';
import type { IncidentsPorts } from '../incidents/ports.js';
import type { ProceduresPorts } from '../procedures/ports.js';
import { showInIncidentsChannel } from '../procedures/unattended-run.js';
import { CronSlots } from './cron-slots.js';

/** Who runs a scheduled drill: on its card, its report and the timeline. */
export const DRILL_SCHEDULE_ACTOR: Actor = { platform: 'system', id: 'drill-schedule', name: 'drill schedule' };

export type DrillSlotOutcome = { kind: 'ran'; ok: boolean; groupId: string | null } | { kind: 'slot-taken' } | { kind: 'stopping' } | { kind: 'failed'; error: string };

export function drillsScheduled(config: FirebreakConfig): boolean {
  return config.drills.length > 0;
}

type DrillPorts = AlertsPorts & IncidentsPorts & ProceduresPorts;

/**
 * Scheduled drills (`drills:`) on every replica: the same cron (UTC, croner) everywhere, each slot
 * claimed once in the store's procedure_slots under "drill:NAME" (as scheduled procedures claim
 * theirs), so one replica runs it; its report is shown in the incidents channel, updated as hops
 * complete, and recorded as a drill.reported event.
 */
export class DrillScheduler<P extends DrillPorts> implements BackgroundWorker {
  readonly name = 'drill schedule';
  /** croner's own day-of-month-or-weekday rule, as the drills have always had. */
  private readonly slots = new CronSlots((name, when) => this.fireSlot(name, when));

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: P,
    private readonly deps: { ingest: (n: AlertNotification) => Promise<IngestResult>; cardWaitMs?: number },
  ) {}

  start(): void {
    if (this.slots.stopping) return;
    // The config's check refused these already (config/drills-schema.ts), so this is only in case.
    for (const r of this.slots.start(this.config.drills.map((d) => ({ name: d.name, cron: d.cron })))) {
      this.ports.logger.error({ drill: r.name, cron: r.cron }, `drills: ${r.name}'s cron "${r.cron}" is not a valid cron expression (${r.problem}); it will not run on a schedule`);
    }
    if (this.config.drills.length > 0) this.ports.logger.info({ drills: this.config.drills.map((d) => `${d.name} (${d.cron})`) }, `scheduled drills: ${this.config.drills.map((d) => d.name).join(', ')}`);
  }

  /** One slot of one drill, if this replica claims it. Never throws. */
  fire(name: string, when: Date): Promise<DrillSlotOutcome> {
    return this.slots.fire(name, when);
  }

  private async fireSlot(name: string, when: Date): Promise<DrillSlotOutcome> {
    // The slot is the scheduled time to the minute: the same on every replica whatever its delay.
    const slot = new Date(Math.floor(when.getTime() / 60_000) * 60_000);
    const d = this.config.drills.find((x) => x.name === name);
    if (this.slots.stopping || this.ports.steps.stopping || !d) return { kind: 'stopping' };
    const id = `${name}-${slot.toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}`;
    const show = showInIncidentsChannel(this.config, this.ports, `drill:${id}`);
    try {
      if (!(await this.ports.procedureRuns.claimSlot(`drill:${name}`, slot.toISOString()))) return { kind: 'slot-taken' };
      const plan = planDrillAlert(this.config, d.route, id, `the drill schedule (${name}, ${d.cron})`, new Date());
      if (!plan.ok) {
        await show({ title: `${DRILL_MARK} ${name} did not run`, status: 'error', text: plan.why, context: `drill ${id}` });
        return { kind: 'failed', error: plan.why };
      }
      const r = await runDrill(
        {
          config: this.config,
          ports: this.ports,
          ingest: this.deps.ingest,
          incidents: drillIncidents(this.config, this.ports),
          ...(this.ports.drillMetrics ? { metrics: this.ports.drillMetrics } : {}),
          ...(this.deps.cardWaitMs !== undefined ? { cardWaitMs: this.deps.cardWaitMs } : {}),
        },
        { alert: plan.alert, actor: DRILL_SCHEDULE_ACTOR, invocationId: `drill:${id}`, name, show },
        { ...(d.route !== undefined ? { route: d.route } : {}), page: d.page, incident: d.incident, keepIncident: d.keep_incident },
      );
      await show(r.report);
      return { kind: 'ran', ok: r.ok, groupId: r.groupId };
    } catch (err) {
      const error = this.ports.redactor.redact(err instanceof Error ? err.message : String(err));
      this.ports.logger.error({ drill: name, slot: slot.toISOString(), err: error }, `scheduled drill ${name} could not run: ${error}`);
      return { kind: 'failed', error };
    }
  }

  /** Stops the crons and claims nothing more; a drill in hand finishes its cleanup within the deadline. */
  stop(opts?: StopBy): Promise<void> {
    return this.slots.stop(opts);
  }
}
