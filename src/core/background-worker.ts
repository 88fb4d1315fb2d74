/**
 * The one lifecycle every background worker of `firebreak start` has: the alert outbox, escalation,
 * the health watch, incident reminders and the backup schedule. Each keeps its logic in its own room
 * (alerts, incidents, scheduler); src/scheduler/workers.ts starts and stops them all the same way.
 *
 * A worker that its configuration turns off (no escalation steps, the health watch disabled) is not
 * built at all, so every worker in the list does something once started.
 */
export interface BackgroundWorker {
  /** What logs call it: "alert outbox", "escalation"… */
  readonly name: string;
  /**
   * Begins its work in the background and returns at once (its passes run later, on its timer or
   * cron). Called once, before any stop().
   */
  start(): void;
  /**
   * Stops claiming new work at once, then finishes the work it has in hand or hands it back (gives
   * up its claims and leases, so another replica carries on at once) by `deadline`, and resolves.
   * What cannot be handed back is left to expire, never done twice. Safe to call more than once,
   * and on a worker whose start() scheduled nothing.
   */
  stop(opts: StopBy): Promise<void>;
}

export interface StopBy {
  /**
   * When the worker must be done, on the monotonic clock (performance.now(), in ms): after it, the
   * store and the chat platforms close under whatever is still running.
   */
  deadline: number;
}

/** Milliseconds left until `deadline` (performance.now() based); 0 once it has passed. */
export function msLeft(deadline: number): number {
  return Math.max(0, deadline - performance.now());
}

/** True when `work` settles (either way) within `ms`; false if the time ran out first, and work goes on unwatched. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = work.then(
    () => true as const,
    () => true as const,
  );
  try {
    return await Promise.race([settled, timeUp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A worker that runs one pass on a timer (and, with `atStart`, one at once): passes never overlap,
 * a failed pass is logged and the next one retries, and stop() waits for the pass in hand so the
 * store is not closed under it. The sweeps and the reminder loop are this with their own pass.
 */
export abstract class PeriodicWorker implements BackgroundWorker {
  abstract readonly name: string;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly everyMs: number,
    private readonly opts: { atStart: boolean; logger: { warn(obj: object, msg: string): void }; redact: (text: string) => string },
  ) {}

  /** One pass of the worker's job; may throw (logged, the next pass retries). */
  protected abstract pass(): Promise<unknown>;

  start(): void {
    if (this.timer || this.stopped) return;
    if (this.opts.atStart) void this.tick();
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** One pass now (also what the timer runs); never throws. Once stopped, no pass starts. */
  tick(): Promise<unknown> {
    if (this.stopped) return this.running;
    this.running = this.running.then(() =>
      this.pass().catch((err: unknown) => this.opts.logger.warn({ err: this.opts.redact(String(err)) }, `${this.name}: this pass failed; the next one retries`)),
    );
    return this.running;
  }

  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
