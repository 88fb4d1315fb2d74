/**
 * The background workers of one `firebreak start` process, in one place: started in the order
 * given, stopped in reverse within one shared deadline. The workers' own logic stays in their rooms
 * (alerts, incidents, backups); this is only their lifecycle.
 */
import { msLeft, settlesWithin, type BackgroundWorker } from '../core/background-worker.js';
import type { Logger } from '../core/ports.js';

/**
 * How long all workers together get to stop at shutdown. It comes after the step drain
 * (shutdown.grace_s), so it is short: what a worker has in hand then is a pass or a message, and
 * the backup schedule's clean-up of the jobs the drain interrupted (2 s to finish, 3 s once
 * stopped, 1 s to mark failed what still did not stop: the bounds it had before this deadline).
 */
export const WORKERS_STOP_MS = 6_000;

export interface WorkersStopReport {
  /** Stopped cleanly within the deadline. */
  stopped: string[];
  /** Still stopping when the deadline passed; shutdown went on without them. */
  late: string[];
  /** Their stop() failed. */
  failed: string[];
}

export class BackgroundWorkers {
  private readonly started: BackgroundWorker[] = [];
  private stopping: Promise<WorkersStopReport> | null = null;

  constructor(
    private readonly workers: readonly BackgroundWorker[],
    private readonly logger: Logger,
  ) {
    const names = workers.map((w) => w.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice) throw new Error(`Two background workers are named "${twice}"; give each its own name so logs tell them apart.`);
  }

  /** The workers' names, in start order. */
  get names(): string[] {
    return this.workers.map((w) => w.name);
  }

  /**
   * Starts every worker in order. If one throws, the rest are not started and the error is thrown;
   * stop() then stops the ones that did start.
   */
  start(): void {
    if (this.started.length > 0 || this.stopping) return;
    for (const w of this.workers) {
      w.start();
      this.started.push(w);
    }
  }

  /**
   * Stops the started workers one after another, the last started first, all within `withinMs`.
   * A worker still stopping at the deadline is logged and left behind; the ones after it are still
   * told to stop (so they claim nothing more) but are not waited for past the deadline. Never
   * throws; calling it again returns the same report.
   */
  stop(opts: { withinMs?: number } = {}): Promise<WorkersStopReport> {
    const withinMs = opts.withinMs ?? WORKERS_STOP_MS;
    this.stopping ??= this.stopAll(performance.now() + withinMs, withinMs);
    return this.stopping;
  }

  private async stopAll(deadline: number, withinMs: number): Promise<WorkersStopReport> {
    const report: WorkersStopReport = { stopped: [], late: [], failed: [] };
    for (const w of [...this.started].reverse()) {
      // null: stopped; a string: why its stop() failed (also when it threw instead of rejecting).
      const outcome = (async () => w.stop({ deadline }))().then(
        () => null,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      if (!(await settlesWithin(outcome, msLeft(deadline)))) {
        report.late.push(w.name);
        this.logger.error(
          { worker: w.name, withinMs },
          `shutting down: the ${w.name} worker was still stopping when the ${withinMs / 1000} s for stopping the background workers ran out; going on without it (what it still holds is taken up by other replicas once its claims expire)`,
        );
        continue;
      }
      const failure = await outcome;
      if (failure === null) {
        report.stopped.push(w.name);
      } else {
        report.failed.push(w.name);
        this.logger.error({ worker: w.name, err: failure }, `shutting down: the ${w.name} worker could not stop cleanly: ${failure}`);
      }
    }
    return report;
  }
}
