import type { FirebreakConfig } from '../config/schema.js';
import { PeriodicWorker } from '../core/background-worker.js';
import type { IncidentsPorts } from '../incidents/ports.js';
import { sendDueReminders } from '../incidents/reminders.js';

/** How often each replica looks for due reminders; a reminder is at most this late. */
export const REMINDER_POLL_MS = 30_000;

/**
 * Incident reminders on every replica: a look every 30 s for what fell due (each reminder is
 * claimed by one replica, so however many run, it is sent once). Due times live in the store, so a
 * restart neither loses nor repeats them.
 */
export class IncidentReminderScheduler extends PeriodicWorker {
  readonly name = 'incident reminders';

  constructor(
    private readonly config: FirebreakConfig,
    private readonly ports: IncidentsPorts,
    private readonly now: () => Date = () => new Date(),
    pollMs = REMINDER_POLL_MS,
  ) {
    // stop() waits for a pass in hand: the reminders it claimed are posted rather than left to expire.
    super(pollMs, { atStart: false, logger: ports.logger, redact: (t) => ports.redactor.redact(t) });
  }

  protected pass(): Promise<unknown> {
    return sendDueReminders({ config: this.config, ports: this.ports }, this.now());
  }
}
