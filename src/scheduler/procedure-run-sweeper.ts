import type { FirebreakConfig } from '../config/schema.js';
import { PeriodicWorker } from '../core/background-worker.js';
import type { ProceduresPorts } from '../procedures/ports.js';
import { RUN_SWEEP_MS } from '../procedures/run-leases.js';
import { sweepRuns } from '../procedures/sweep.js';

/**
 * Procedure runs whose process died, found by every replica: a pass at start and every 15 s. A run
 * is marked interrupted by whichever replica saves first, and its card is posted once (a stored
 * message ref), so however many replicas sweep, each dead run gets one card asking Retry / Skip /
 * Abort — within a minute of the crash (the run lease expires 30 s after it).
 */
export class ProcedureRunSweeper extends PeriodicWorker {
  readonly name = 'procedure run sweep';

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: ProceduresPorts,
    everyMs = RUN_SWEEP_MS,
  ) {
    super(everyMs, { atStart: true, logger: ports.logger, redact: (t) => ports.redactor.redact(t) });
  }

  protected pass(): Promise<unknown> {
    return sweepRuns(this.config, this.ports);
  }
}
