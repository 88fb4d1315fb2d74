import { DIAGNOSIS_STALE_MS, DIAGNOSIS_SWEEP_MS, type DiagnosisStore } from '../alerts/diagnosis.js';
import type { FirebreakConfig } from '../config/schema.js';
import { PeriodicWorker } from '../core/background-worker.js';
import { sweepInterruptedDiagnoses } from '../procedures/alert-diagnosis.js';
import type { ProceduresPorts } from '../procedures/ports.js';
import type { DiagnosisMetrics } from './alert-diagnoser.js';

/**
 * Diagnoses on arrival whose replica died mid-run, found by every replica: a pass at start and every
 * 15 s. A running diagnosis renews its heartbeat every 10 s; one silent for a minute is marked
 * interrupted by whichever replica updates it first — its card says "interrupted: the replica
 * running it stopped" and offers Diagnose, its thread report says so once (claimed in the store) —
 * and is never run again unless someone presses Diagnose.
 */
export class DiagnosisSweeper extends PeriodicWorker {
  readonly name = 'interrupted diagnosis sweep';

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: ProceduresPorts,
    private readonly store: DiagnosisStore,
    private readonly metrics: DiagnosisMetrics | null,
    private readonly timing: { everyMs?: number; staleMs?: number } = {},
  ) {
    super(timing.everyMs ?? DIAGNOSIS_SWEEP_MS, { atStart: true, logger: ports.logger, redact: (t) => ports.redactor.redact(t) });
  }

  protected async pass(): Promise<unknown> {
    const r = await sweepInterruptedDiagnoses(this.config, this.ports, this.store, this.timing.staleMs ?? DIAGNOSIS_STALE_MS);
    for (const _ of r.marked) this.metrics?.diagnosis('interrupted');
    return r;
  }
}
