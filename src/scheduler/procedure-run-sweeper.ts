import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { ProceduresPorts } from '../procedures/ports.js';
import { RUN_SWEEP_MS } from '../procedures/run-leases.js';
import { sweepRuns } from '../procedures/sweep.js';

/**
 * Procedure runs whose process died, found by every replica: a pass at start and every 15 s. A run
 * is marked interrupted by whichever replica saves first, and its card is posted once (a stored
 * message ref), so however many replicas sweep, each dead run gets one card asking Retry / Skip /
 * Abort — within a minute of the crash (the run lease expires 30 s after it).
 */
export class ProcedureRunSweeper implements BackgroundWorker {
  readonly name = 'procedure run sweep';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: ProceduresPorts,
    private readonly everyMs = RUN_SWEEP_MS,
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
      sweepRuns(this.config, this.ports).catch((err: unknown) =>
        this.ports.logger.warn({ err: this.ports.redactor.redact(String(err)) }, 'procedure run sweep: this pass failed; the next one retries'),
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
