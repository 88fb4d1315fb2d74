import type { FirebreakConfig } from '../config/schema.js';
import { PeriodicWorker } from '../core/background-worker.js';
import { INTERRUPTED_STEP_SWEEP_MS, sweepInterruptedSteps } from '../core/interrupted-steps.js';
import type { CorePorts } from '../core/services.js';

/**
 * Confirmed steps (a rollout, a scale, a confirmed /run, a /run of a confirm: false action) whose process died, found by every
 * replica: a pass at start and every 15 s. Each is recorded interrupted by whichever replica marks
 * it first, and its note is posted once (a stored message ref) — within about a minute and a
 * quarter of the crash (the step lease expires 60 s after its last renewal).
 */
export class InterruptedStepSweeper extends PeriodicWorker {
  readonly name = 'interrupted step sweep';

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: CorePorts,
    everyMs = INTERRUPTED_STEP_SWEEP_MS,
  ) {
    super(everyMs, { atStart: true, logger: ports.logger, redact: (t) => ports.redactor.redact(t) });
  }

  protected pass(): Promise<unknown> {
    return sweepInterruptedSteps(this.config.chat.incidents_channel, this.ports);
  }
}
