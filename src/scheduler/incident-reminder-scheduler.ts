import type { FirebreakConfig } from '../config/schema.js';
import type { BackgroundWorker, StopBy } from '../core/background-worker.js';
import type { IncidentsPorts } from '../incidents/ports.js';
import { sendDueReminders } from '../incidents/reminders.js';

/** How often each replica looks for due reminders; a reminder is at most this late. */
export const REMINDER_POLL_MS = 30_000;

/**
 * Incident reminders on every replica: a look every 30 s for what fell due (each reminder is
 * claimed by one replica, so however many run, it is sent once). Due times live in the store, so a
 * restart neither loses nor repeats them.
 */
export class IncidentReminderScheduler implements BackgroundWorker {
  readonly name = 'incident reminders';
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: IncidentsPorts,
    private readonly now: () => Date = () => new Date(),
    private readonly pollMs = REMINDER_POLL_MS,
  ) {}

  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick(), this.pollMs);
    this.timer.unref();
  }

  /** One pass now (also what the timer runs); never throws. Once stopped, no pass starts (claims nothing). */
  tick(): Promise<unknown> {
    if (this.stopped) return this.running;
    this.running = this.running.then(() =>
      sendDueReminders({ config: this.config, ports: this.ports }, this.now()).catch((err: unknown) =>
        this.ports.logger.warn({ err: this.ports.redactor.redact(String(err)) }, 'incident reminders: this pass failed; the next one retries'),
      ),
    );
    return this.running;
  }

  /**
   * Stops polling and waits for a pass in progress (before the store closes): the reminders it
   * claimed are posted rather than left to expire, which would make them minutes late.
   */
  async stop(_opts?: StopBy): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
