import type { DiagnosisDecision, DiagnosisLimits, DiagnosisStore, UndecidedGroup } from '../alerts/diagnosis.js';
import type { DiagnosisState } from '../alerts/model.js';
import { markGroupDirty } from './alert-outbox.js';
import type { Db, Queryable } from './db.js';

/** A running diagnosis stops counting toward max_concurrent after this long (its replica died mid-run). */
const RUNNING_COUNTS_FOR = "interval '10 minutes'";
/** A group waiting this long for a free slot (max_concurrent) is marked storm instead. */
const MAX_WAIT = "interval '5 minutes'";

/** The diagnoses on arrival (180_alert_diagnoses): one row per group, decided under a table lock. */
export class SqlDiagnosisRepository implements DiagnosisStore {
  constructor(private readonly db: Db) {}

  async undecided(routes: readonly number[], since: Date, limit: number): Promise<UndecidedGroup[]> {
    if (routes.length === 0) return [];
    const rows = await this.db.query<{ id: string | number; route: number; common_labels: Record<string, string> | null; first_labels: Record<string, string> | null }>(
      `SELECT g.id, g.route, g.common_labels,
         (SELECT a.labels FROM alerts a WHERE a.group_id = g.id ORDER BY (a.status = 'firing') DESC, a.starts_at ASC LIMIT 1) AS first_labels
       FROM alert_groups g
       WHERE g.status = 'firing' AND g.route = ANY($1::int[]) AND g.first_fired_at >= $2 AND g.source <> 'drill'
         AND NOT EXISTS (SELECT 1 FROM alert_diagnoses d WHERE d.group_id = g.id)
       ORDER BY g.first_fired_at ASC, g.id ASC LIMIT $3`,
      [[...routes], since, limit],
    );
    return rows.map((r) => ({ id: String(r.id), route: r.route, labels: { ...(r.first_labels ?? {}), ...(r.common_labels ?? {}) } }));
  }

  decide(groupId: string, procedure: string, limits: DiagnosisLimits, holder: string, platforms: readonly string[]): Promise<DiagnosisDecision> {
    return this.db.transaction(async (q) => {
      // One decision at a time across replicas: the counts below and the insert are one step.
      await q.query('LOCK TABLE alert_diagnoses IN SHARE ROW EXCLUSIVE MODE');
      if ((await q.query('SELECT 1 FROM alert_diagnoses WHERE group_id = $1', [groupId])).length > 0) return 'taken';
      const [c] = await q.query<{ running: string | number; minute: string | number }>(
        `SELECT count(*) FILTER (WHERE state = 'running' AND started_at > now() - ${RUNNING_COUNTS_FOR}) AS running,
                count(*) FILTER (WHERE started_at > now() - interval '1 minute') AS minute
         FROM alert_diagnoses WHERE started_at > now() - ${RUNNING_COUNTS_FOR}`,
      );
      if (Number(c?.minute ?? 0) >= limits.perMinute) {
        await q.query(`INSERT INTO alert_diagnoses (group_id, procedure, state, note) VALUES ($1, $2, 'storm', $3)`, [groupId, procedure, `more than ${limits.perMinute} a minute`]);
        await this.dirty(q, groupId, platforms);
        return 'storm';
      }
      if (Number(c?.running ?? 0) >= limits.maxConcurrent) {
        // Not left waiting past the arrival window unmarked: after a while its card says why and offers Diagnose.
        const [old] = await q.query(`SELECT 1 FROM alert_groups WHERE id = $1 AND first_fired_at < now() - ${MAX_WAIT}`, [groupId]);
        if (!old) return 'wait';
        await q.query(`INSERT INTO alert_diagnoses (group_id, procedure, state, note) VALUES ($1, $2, 'storm', $3)`, [groupId, procedure, `waited 5 minutes for one of ${limits.maxConcurrent} running diagnoses to finish`]);
        await this.dirty(q, groupId, platforms);
        return 'storm';
      }
      await q.query(`INSERT INTO alert_diagnoses (group_id, procedure, state, holder, started_at) VALUES ($1, $2, 'running', $3, now())`, [groupId, procedure, holder]);
      await this.dirty(q, groupId, platforms);
      return 'run';
    });
  }

  claimByPerson(groupId: string, procedure: string, holder: string, platforms: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (q) => {
      await q.query('LOCK TABLE alert_diagnoses IN SHARE ROW EXCLUSIVE MODE');
      const rows = await q.query(
        `INSERT INTO alert_diagnoses (group_id, procedure, state, holder, started_at) VALUES ($1, $2, 'running', $3, now())
         ON CONFLICT (group_id) DO UPDATE SET state = 'running', procedure = EXCLUDED.procedure, holder = EXCLUDED.holder, note = NULL, started_at = now(), finished_at = NULL
           WHERE alert_diagnoses.state IN ('storm', 'skipped')
         RETURNING group_id`,
        [groupId, procedure, holder],
      );
      if (rows.length === 0) return false;
      await this.dirty(q, groupId, platforms);
      return true;
    });
  }

  settle(groupId: string, procedure: string, state: Exclude<DiagnosisState, 'storm'>, note: string | null, runId: string | null, platforms: readonly string[]): Promise<void> {
    return this.db.transaction(async (q) => {
      await q.query(
        `INSERT INTO alert_diagnoses (group_id, procedure, state, note, run_id, finished_at) VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (group_id) DO UPDATE SET state = EXCLUDED.state, note = EXCLUDED.note, run_id = COALESCE(EXCLUDED.run_id, alert_diagnoses.run_id), finished_at = now()`,
        [groupId, procedure, state, note, runId],
      );
      await this.dirty(q, groupId, platforms);
    });
  }

  /** The card shows the diagnosis: a new version, shown again by the outbox. */
  private async dirty(q: Queryable, groupId: string, platforms: readonly string[]): Promise<void> {
    const [g] = await q.query<{ channel: string }>('UPDATE alert_groups SET version = version + 1 WHERE id = $1 RETURNING channel', [groupId]);
    if (g) await markGroupDirty(q, groupId, g.channel, platforms);
  }
}
