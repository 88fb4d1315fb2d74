import type { WatchdogState, WatchdogStore } from '../alerts/watchdog.js';
import type { Db } from './db.js';

interface Row {
  last_seen_at: Date;
  ever_seen: boolean;
  raised_at: Date | null;
}

const toState = (r: Row): WatchdogState => ({ lastSeenAt: new Date(r.last_seen_at), everSeen: r.ever_seen, raisedAt: r.raised_at ? new Date(r.raised_at) : null });

/** The Watchdog's last arrival and the silent alert's claim (160_watchdog). Each change is one guarded statement. */
export class SqlWatchdogRepository implements WatchdogStore {
  constructor(private readonly db: Db) {}

  async begin(alertname: string, now: Date): Promise<WatchdogState> {
    await this.db.query('INSERT INTO watchdog (alertname, last_seen_at) VALUES ($1, $2) ON CONFLICT (alertname) DO NOTHING', [alertname, now]);
    return (await this.state(alertname))!;
  }

  async seen(alertname: string, at: Date): Promise<WatchdogState> {
    await this.db.query('INSERT INTO watchdog (alertname, last_seen_at) VALUES ($1, $2) ON CONFLICT (alertname) DO NOTHING', [alertname, at]);
    // The old row is read under the row lock the UPDATE takes, so of two replicas noting the same
    // return, only the first sees raised_at set (and resolves the silent alert).
    const rows = await this.db.query<Row>(
      `WITH before AS (SELECT alertname, last_seen_at, ever_seen, raised_at FROM watchdog WHERE alertname = $1 FOR UPDATE)
       UPDATE watchdog w SET last_seen_at = GREATEST(w.last_seen_at, $2), ever_seen = true, raised_at = NULL, updated_at = now()
       FROM before WHERE w.alertname = before.alertname
       RETURNING before.last_seen_at, before.ever_seen, before.raised_at`,
      [alertname, at],
    );
    return toState(rows[0]!);
  }

  async claimRaise(alertname: string, cutoff: Date, now: Date): Promise<WatchdogState | null> {
    const rows = await this.db.query<Row>(
      `UPDATE watchdog SET raised_at = $3, updated_at = now()
       WHERE alertname = $1 AND raised_at IS NULL AND last_seen_at <= $2
       RETURNING last_seen_at, ever_seen, raised_at`,
      [alertname, cutoff, now],
    );
    return rows[0] ? toState(rows[0]) : null;
  }

  async unclaimRaise(alertname: string): Promise<void> {
    await this.db.query('UPDATE watchdog SET raised_at = NULL, updated_at = now() WHERE alertname = $1', [alertname]);
  }

  async state(alertname: string): Promise<WatchdogState | null> {
    const rows = await this.db.query<Row>('SELECT last_seen_at, ever_seen, raised_at FROM watchdog WHERE alertname = $1', [alertname]);
    return rows[0] ? toState(rows[0]) : null;
  }

  /** Seconds since the epoch of the last arrival of every watched Watchdog (the metric). */
  async lastSeen(): Promise<{ alertname: string; seconds: number; everSeen: boolean }[]> {
    const rows = await this.db.query<Row & { alertname: string }>('SELECT alertname, last_seen_at, ever_seen, raised_at FROM watchdog');
    return rows.map((r) => ({ alertname: r.alertname, seconds: new Date(r.last_seen_at).getTime() / 1000, everSeen: r.ever_seen }));
  }
}
