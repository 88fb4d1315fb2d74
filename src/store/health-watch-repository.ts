import type { HealthWatchStore, WatchedCheck, WatchResult } from '../alerts/health-watch.js';
import type { Db } from './db.js';

interface Row {
  check_name: string;
  failures: number;
  first_failure_at: Date | null;
  last_failure: string | null;
  raised: boolean;
}

const toCheck = (r: Row): WatchedCheck => ({
  check: r.check_name,
  failures: r.failures,
  firstFailureAt: r.first_failure_at ? new Date(r.first_failure_at) : null,
  lastFailure: r.last_failure,
  raised: r.raised,
});

const COLUMNS = 'check_name, failures, first_failure_at, last_failure, raised';

/** The health watch's counters (092_health_watch). Each write is one statement, guarded by the slot. */
export class SqlHealthWatchRepository implements HealthWatchStore {
  constructor(private readonly db: Db) {}

  async record(check: string, slot: number, result: WatchResult): Promise<WatchedCheck | null> {
    // A success keeps the start and the last failure of a raised alert: its resolution needs them.
    const rows = result.ok
      ? await this.db.query<Row>(
          `INSERT INTO health_watch (check_name, failures, last_slot) VALUES ($1, 0, $2)
           ON CONFLICT (check_name) DO UPDATE SET failures = 0,
             first_failure_at = CASE WHEN health_watch.raised THEN health_watch.first_failure_at END,
             last_failure = CASE WHEN health_watch.raised THEN health_watch.last_failure END,
             last_slot = EXCLUDED.last_slot, updated_at = now()
           WHERE health_watch.last_slot < EXCLUDED.last_slot
           RETURNING ${COLUMNS}`,
          [check, slot],
        )
      : await this.db.query<Row>(
          `INSERT INTO health_watch (check_name, failures, first_failure_at, last_failure, last_slot) VALUES ($1, 1, $2, $3, $4)
           ON CONFLICT (check_name) DO UPDATE SET failures = health_watch.failures + 1,
             first_failure_at = COALESCE(health_watch.first_failure_at, EXCLUDED.first_failure_at),
             last_failure = EXCLUDED.last_failure, last_slot = EXCLUDED.last_slot, updated_at = now()
           WHERE health_watch.last_slot < EXCLUDED.last_slot
           RETURNING ${COLUMNS}`,
          [check, result.at, result.detail, slot],
        );
    return rows[0] ? toCheck(rows[0]) : null;
  }

  async setRaised(check: string, raised: boolean): Promise<void> {
    // Resolved: the next failure starts a new alert with its own start time.
    await this.db.query(
      `UPDATE health_watch SET raised = $2,
         first_failure_at = CASE WHEN NOT $2 AND failures = 0 THEN NULL ELSE first_failure_at END,
         last_failure = CASE WHEN NOT $2 AND failures = 0 THEN NULL ELSE last_failure END,
         updated_at = now()
       WHERE check_name = $1`,
      [check, raised],
    );
  }

  async list(): Promise<WatchedCheck[]> {
    return (await this.db.query<Row>(`SELECT ${COLUMNS} FROM health_watch ORDER BY check_name`)).map(toCheck);
  }
}
