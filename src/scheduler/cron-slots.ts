import { Cron } from 'croner';
import { cronProblem, SCHEDULE_CRON_MODE } from '../config/cron-expression.js';
import { msLeft, settlesWithin, type StopBy } from '../core/background-worker.js';

/** One schedule: `name` is what fire() is told, `cron` when (UTC). */
export interface NamedCron {
  name: string;
  cron: string;
}

/** A cron croner refused (or one that never comes): nothing is scheduled for it. */
export interface RefusedCron extends NamedCron {
  problem: string;
}

export interface CronSlotsOptions {
  /**
   * Day of month and weekday both given ("0 3 1 * 1"): true fires when both match, as node-cron
   * did for the backup and procedure schedules written against it; false (croner's default, what
   * the drills and maintenance windows have always used) when either does.
   */
  domAndDow?: boolean;
}

/**
 * The shape the backup, procedure and drill schedules share: the same crons (UTC) on every replica,
 * each firing handed to `run` with its scheduled slot time — which the scheduler claims once across
 * replicas in the store — the work in flight tracked, and stop() cancelling the crons, then waiting
 * for that work within the deadline it is given.
 *
 * Every slot fires, even while the previous one of the same cron is still running (no croner
 * `protect`): what an overlapping slot means is the scheduler's to say — a backup whose previous
 * run still holds the target's lock reports the slot skipped — and `protect` would drop the slot on
 * this replica without a word.
 */
export class CronSlots<T> {
  private readonly jobs: Cron[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly run: (name: string, slot: Date) => Promise<T>,
    private readonly opts: CronSlotsOptions = {},
  ) {}

  /** True once stop() (or cancel()) was called: the schedulers claim nothing more. */
  get stopping(): boolean {
    return this.stopped;
  }

  /** Starts a job per cron (more can be added by another call); returns the crons it refused. */
  start(crons: readonly NamedCron[]): RefusedCron[] {
    const refused: RefusedCron[] = [];
    if (this.stopped) return refused;
    for (const { name, cron } of crons) {
      const problem = cronProblem(cron);
      if (problem !== null) {
        refused.push({ name, cron, problem });
        continue;
      }
      const job: Cron = new Cron(cron, { timezone: 'UTC', mode: SCHEDULE_CRON_MODE, domAndDow: this.opts.domAndDow ?? false }, () => {
        // Not returned to croner: it would wait for it before the next slot (see above).
        void this.fire(name, scheduledSlot(job, new Date()));
      });
      this.jobs.push(job);
    }
    return refused;
  }

  /** One slot of `name`, tracked until it settles so stop() waits for it. What `run` returns. */
  fire(name: string, slot: Date): Promise<T> {
    return this.track(this.run(name, slot));
  }

  /** Tracks other work of the scheduler's until it settles, so stop() waits for it too. */
  track<W>(work: Promise<W>): Promise<W> {
    this.inFlight.add(work);
    const done = (): void => void this.inFlight.delete(work);
    work.then(done, done);
    return work;
  }

  /** Stops the crons at once; nothing more fires. What is in flight goes on. */
  cancel(): void {
    this.stopped = true;
    for (const job of this.jobs.splice(0)) job.stop();
  }

  /** cancel(), then waits for the work in flight: all of it, or what settles by `opts.deadline`. */
  async stop(opts?: StopBy): Promise<void> {
    this.cancel();
    const all = Promise.allSettled([...this.inFlight]);
    if (opts) await settlesWithin(all, msLeft(opts.deadline));
    else await all;
  }
}

/**
 * The scheduled time of the firing croner is running now: the latest time the cron matches at or
 * before now, to the second. croner fires at or after that time and its currentRun() is the wall
 * clock when it fired, so a replica whose timer ran a second late would name another slot than the
 * others; this names the same one on every replica whatever its delay (as node-cron's ctx.date did).
 */
export function scheduledSlot(job: Cron, now: Date): Date {
  const second = Math.floor(now.getTime() / 1000) * 1000;
  // previousRuns(1, ref) is the latest match before ref less a second: ref = second + 1 s gives "at or before second".
  return job.previousRuns(1, new Date(second + 1000))[0] ?? new Date(second);
}
