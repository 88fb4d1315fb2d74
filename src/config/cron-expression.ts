import { Cron } from 'croner';

/**
 * The cron expressions schedules take (procedures' `schedule:`, backups' `schedule:` and
 * `verify_schedule:`): five fields, or six with seconds (tests fire every second), read by croner
 * — the one cron library the project carries, which src/scheduler/cron-slots.ts runs them with.
 * "@daily" and the other nicknames are accepted, as node-cron accepted them before.
 */
export const SCHEDULE_CRON_MODE = '5-or-6-parts' as const;

/** Why `expr` cannot be a schedule (croner's reason, or that it never comes, e.g. 31 February); null if it can. */
export function cronProblem(expr: string): string | null {
  let cron: Cron;
  try {
    cron = new Cron(expr, { paused: true, timezone: 'UTC', mode: SCHEDULE_CRON_MODE });
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return cron.nextRun() === null ? 'it never comes' : null;
}
