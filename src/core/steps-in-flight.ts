/**
 * The steps this process is running, from before their lease is taken until it is released: what
 * graceful shutdown waits for and, once its grace has run out, interrupts. Every step runs through
 * the StepRunner, which registers it here, so shutdown treats commands, backups and procedure steps alike.
 */

/** One registered step, as shutdown sees it. */
export interface RunningStep {
  readonly title: string;
  /** performance.now() when it was registered. */
  readonly startedAt: number;
  /** True once shutdown interrupted it. */
  readonly interrupted: boolean;
}

/** The runner's handle on its own registration. */
export interface StepEntry extends RunningStep {
  /** Resolves when shutdown interrupts the step (never, if it finishes first). */
  readonly interruption: Promise<'interrupted'>;
  /** The step is over: recorded and its lease released. */
  done(): void;
}

export interface DrainReport {
  /** Steps that finished on their own within the grace. */
  finished: number;
  /** Titles of the steps interrupted when the grace ran out (or was cut short). */
  interrupted: string[];
  /** Titles of interrupted steps that had not even recorded that when the drain gave up on them. */
  abandoned: string[];
}

interface Entry extends StepEntry {
  interrupt(): void;
  readonly over: Promise<void>;
}

export class StepsInFlight {
  private stoppingFlag = false;
  private readonly entries = new Set<Entry>();

  /** True once shutdown began: no new step starts. */
  get stopping(): boolean {
    return this.stoppingFlag;
  }

  beginStopping(): void {
    this.stoppingFlag = true;
  }

  running(): RunningStep[] {
    return [...this.entries];
  }

  register(title: string): StepEntry {
    let interrupt!: () => void;
    let done!: () => void;
    const interruption = new Promise<'interrupted'>((resolve) => (interrupt = () => resolve('interrupted')));
    const over = new Promise<void>((resolve) => (done = resolve));
    const entry: Entry = {
      title,
      startedAt: performance.now(),
      interrupted: false,
      interruption,
      over,
      interrupt: () => {
        (entry as { interrupted: boolean }).interrupted = true;
        interrupt();
      },
      done: () => {
        this.entries.delete(entry);
        done();
      },
    };
    this.entries.add(entry);
    return entry;
  }

  /**
   * Graceful shutdown: no new step starts; running ones get `graceMs` to finish (or until `cutShort`
   * resolves: a second signal); the rest are interrupted — each runner records that and releases
   * its lease — and waited for up to `recordMs` more.
   */
  async drain(opts: { graceMs: number; recordMs: number; cutShort?: Promise<unknown> }): Promise<DrainReport> {
    this.beginStopping();
    const before = this.entries.size;
    await this.allOverWithin(opts.graceMs, opts.cutShort);
    const left = [...this.entries];
    for (const e of left) e.interrupt();
    await this.allOverWithin(opts.recordMs);
    return { finished: before - left.length, interrupted: left.map((e) => e.title), abandoned: [...this.entries].map((e) => e.title) };
  }

  /** Waits until no step is registered (including steps registered meanwhile), or the time is up. */
  private async allOverWithin(ms: number, cutShort?: Promise<unknown>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'time'>((resolve) => (timer = setTimeout(() => resolve('time'), ms)));
    const stops = cutShort ? [deadline, cutShort.then(() => 'time' as const)] : [deadline];
    try {
      while (this.entries.size > 0) {
        if ((await Promise.race([Promise.all([...this.entries].map((e) => e.over)), ...stops])) === 'time') return;
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
