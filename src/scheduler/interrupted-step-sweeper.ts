import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import { INTERRUPTED_STEP_SWEEP_MS, sweepInterruptedSteps } from '../core/interrupted-steps.js';
import type { CorePorts } from '../core/services.js';

/**
 * Confirmed steps (a rollout, a scale, a confirmed /run) whose process died, found by every
 * replica: a pass at start and every 15 s. Each is recorded interrupted by whichever replica marks
 * it first, and its note is posted once (a stored message ref) — within about a minute and a
 * quarter of the crash (the step lease expires 60 s after its last renewal).
 */
export class InterruptedStepSweeper implements BackgroundWorker {
  readonly name = 'interrupted step sweep';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: CorePorts,
    private readonly everyMs = INTERRUPTED_STEP_SWEEP_MS,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** One pass now (also what the timer runs); never throws. Passes never overlap. */
  tick(): Promise<unknown> {
    if (this.stopped) return this.running;
    this.running = this.running.then(() =>
      sweepInterruptedSteps(this.config.chat.incidents_channel, this.ports).catch((err: unknown) =>
        this.ports.logger.warn({ err: this.ports.redactor.redact(String(err)) }, 'interrupted step sweep: this pass failed; the next one retries'),
      ),
    );
    return this.running;
  }

  /** Stops the timer and waits for a pass in progress, so the store is not closed under it. */
  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
