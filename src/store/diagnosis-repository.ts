import type { DiagnosisClaim, DiagnosisDecision, DiagnosisLimits, DiagnosisStore, InterruptedDiagnosis, UndecidedGroup } from '../alerts/diagnosis.js';
import { markGroupDirty } from './alert-outbox.js';
import type { Db, Queryable } from './db.js';

/** A running diagnosis stops counting toward max_concurrent after this long (its replica died mid-run). */
const RUNNING_COUNTS_FOR = "interval '10 minutes'";
/** A group waiting this long for a free slot (max_concurrent) is marked storm instead. */
const MAX_WAIT = "interval '5 minutes'";

interface InterruptedRow {
  group_id: string | number;
  episode: number | string;
  procedure: string;
  run_id: string | null;
  heartbeat_at: Date | null;
  started_at: Date | null;
  created_at: Date;
}
const INTERRUPTED_COLUMNS = 'group_id, episode, procedure, run_id, heartbeat_at, started_at, created_at';
const toInterrupted = (r: InterruptedRow): InterruptedDiagnosis => ({
  groupId: String(r.group_id),
  episode: Number(r.episode),
  procedure: r.procedure,
  runId: r.run_id,
  lastHeartbeat: new Date(r.heartbeat_at ?? r.started_at ?? r.created_at),
});

/** The diagnoses on arrival (180_alert_diagnoses, 240_alert_diagnosis_episodes): one row per group, about its latest firing decided, decided under a table lock. */
export class SqlDiagnosisRepository implements DiagnosisStore {
  constructor(private readonly db: Db) {}

  async undecided(routes: readonly number[], since: Date, limit: number): Promise<UndecidedGroup[]> {
    if (routes.length === 0) return [];
    // This firing has no decision: no row, or one of an earlier firing that is no longer running.
    const rows = await this.db.query<{ id: string | number; episode: number | string; route: number; common_labels: Record<string, string> | null; first_labels: Record<string, string> | null }>(
      `SELECT g.id, g.episode, g.route, g.common_labels,
         (SELECT a.labels FROM alerts a WHERE a.group_id = g.id ORDER BY (a.status = 'firing') DESC, a.starts_at ASC LIMIT 1) AS first_labels
       FROM alert_groups g
       WHERE g.status = 'firing' AND g.route = ANY($1::int[]) AND g.first_fired_at >= $2 AND g.source <> 'drill'
         AND NOT EXISTS (SELECT 1 FROM alert_diagnoses d WHERE d.group_id = g.id AND (d.episode >= g.episode OR d.state = 'running'))
       ORDER BY g.first_fired_at ASC, g.id ASC LIMIT $3`,
      [[...routes], since, limit],
    );
    return rows.map((r) => ({ id: String(r.id), episode: Number(r.episode), route: r.route, labels: { ...(r.first_labels ?? {}), ...(r.common_labels ?? {}) } }));
  }

  decide(groupId: string, episode: number, procedure: string, limits: DiagnosisLimits, holder: string, platforms: readonly string[]): Promise<DiagnosisDecision> {
    return this.db.transaction(async (q) => {
      // One decision at a time across replicas: the counts below and the insert are one step.
      await q.query('LOCK TABLE alert_diagnoses IN SHARE ROW EXCLUSIVE MODE');
      const [now] = await q.query<{ episode: number | string }>('SELECT episode FROM alert_groups WHERE id = $1', [groupId]);
      // Fired again since it was read: the next look decides the firing it is in now.
      if (!now || Number(now.episode) !== episode) return 'taken';
      const [had] = await q.query<{ episode: number | string; state: string }>('SELECT episode, state FROM alert_diagnoses WHERE group_id = $1', [groupId]);
      if (had && (Number(had.episode) >= episode || had.state === 'running')) return 'taken';
      const [c] = await q.query<{ running: string | number; minute: string | number }>(
        `SELECT count(*) FILTER (WHERE state = 'running' AND started_at > now() - ${RUNNING_COUNTS_FOR}) AS running,
                count(*) FILTER (WHERE started_at > now() - interval '1 minute') AS minute
         FROM alert_diagnoses WHERE started_at > now() - ${RUNNING_COUNTS_FOR}`,
      );
      if (Number(c?.minute ?? 0) >= limits.perMinute) {
        await this.put(q, groupId, episode, procedure, 'storm', `more than ${limits.perMinute} a minute`, null);
        await this.dirty(q, groupId, platforms);
        return 'storm';
      }
      if (Number(c?.running ?? 0) >= limits.maxConcurrent) {
        // Not left waiting past the arrival window unmarked: after a while its card says why and offers Diagnose.
        const [old] = await q.query(`SELECT 1 FROM alert_groups WHERE id = $1 AND first_fired_at < now() - ${MAX_WAIT}`, [groupId]);
        if (!old) return 'wait';
        await this.put(q, groupId, episode, procedure, 'storm', `waited 5 minutes for one of ${limits.maxConcurrent} running diagnoses to finish`, null);
        await this.dirty(q, groupId, platforms);
        return 'storm';
      }
      await this.put(q, groupId, episode, procedure, 'running', null, holder);
      await this.dirty(q, groupId, platforms);
      return 'run';
    });
  }

  /** The group's one row, now about `episode`: what an earlier firing's diagnosis said is replaced. */
  private async put(q: Queryable, groupId: string, episode: number, procedure: string, state: 'running' | 'storm', note: string | null, holder: string | null): Promise<void> {
    await q.query(
      `INSERT INTO alert_diagnoses (group_id, episode, procedure, state, note, holder, started_at, heartbeat_at)
       VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 = 'running' THEN now() END, CASE WHEN $4 = 'running' THEN now() END)
       ON CONFLICT (group_id) DO UPDATE SET episode = EXCLUDED.episode, procedure = EXCLUDED.procedure, state = EXCLUDED.state, note = EXCLUDED.note,
         holder = EXCLUDED.holder, started_at = EXCLUDED.started_at, heartbeat_at = EXCLUDED.heartbeat_at, run_id = NULL, finished_at = NULL, report_owed = false`,
      [groupId, episode, procedure, state, note, holder],
    );
  }

  claimByPerson(groupId: string, procedure: string, holder: string, platforms: readonly string[]): Promise<number | null> {
    return this.db.transaction(async (q) => {
      await q.query('LOCK TABLE alert_diagnoses IN SHARE ROW EXCLUSIVE MODE');
      const rows = await q.query<{ episode: number | string }>(
        `INSERT INTO alert_diagnoses (group_id, episode, procedure, state, holder, started_at, heartbeat_at)
         SELECT g.id, g.episode, $2, 'running', $3, now(), now() FROM alert_groups g WHERE g.id = $1
         ON CONFLICT (group_id) DO UPDATE SET state = 'running', episode = EXCLUDED.episode, procedure = EXCLUDED.procedure, holder = EXCLUDED.holder, note = NULL,
           started_at = now(), heartbeat_at = now(), finished_at = NULL, run_id = NULL, report_owed = false
           WHERE alert_diagnoses.state IN ('storm', 'skipped', 'interrupted')
              OR (alert_diagnoses.episode < EXCLUDED.episode AND alert_diagnoses.state <> 'running')
         RETURNING episode`,
        [groupId, procedure, holder],
      );
      if (rows.length === 0) return null;
      await this.dirty(q, groupId, platforms);
      return Number(rows[0]!.episode);
    });
  }

  async heartbeat(claim: DiagnosisClaim, runId: string | null): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE alert_diagnoses SET heartbeat_at = now(), run_id = COALESCE($4, run_id)
       WHERE group_id = $1 AND episode = $2 AND holder = $3 AND state = 'running' RETURNING group_id`,
      [claim.groupId, claim.episode, claim.holder, runId],
    );
    return rows.length > 0;
  }

  settle(claim: DiagnosisClaim, procedure: string, state: 'done' | 'failed' | 'skipped', note: string | null, runId: string | null, platforms: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (q) => {
      // Only the holder's own claim: after a person's Diagnose claimed it anew, that run settles it.
      const rows = await q.query(
        `UPDATE alert_diagnoses SET procedure = $4, state = $5, note = $6, run_id = COALESCE($7, run_id), finished_at = now(), report_owed = false
         WHERE group_id = $1 AND episode = $2 AND holder IS NOT DISTINCT FROM $3 RETURNING group_id`,
        [claim.groupId, claim.episode, claim.holder, procedure, state, note, runId],
      );
      if (rows.length === 0) return false;
      await this.dirty(q, claim.groupId, platforms);
      return true;
    });
  }

  interruptStale(staleMs: number, platforms: readonly string[]): Promise<InterruptedDiagnosis[]> {
    return this.db.transaction(async (q) => {
      const rows = await q.query<InterruptedRow>(
        `UPDATE alert_diagnoses SET state = 'interrupted', note = NULL, finished_at = now(), report_owed = true
         WHERE state = 'running' AND COALESCE(heartbeat_at, started_at, created_at) < now() - ($1::int * interval '1 millisecond')
         RETURNING ${INTERRUPTED_COLUMNS}`,
        [Math.max(0, Math.round(staleMs))],
      );
      for (const r of rows) await this.dirty(q, String(r.group_id), platforms);
      return rows.map(toInterrupted);
    });
  }

  async reportsOwed(limit: number): Promise<InterruptedDiagnosis[]> {
    const rows = await this.db.query<InterruptedRow>(`SELECT ${INTERRUPTED_COLUMNS} FROM alert_diagnoses WHERE report_owed AND state = 'interrupted' ORDER BY group_id LIMIT $1`, [limit]);
    return rows.map(toInterrupted);
  }

  async reportShown(groupId: string, episode: number): Promise<void> {
    await this.db.query(`UPDATE alert_diagnoses SET report_owed = false WHERE group_id = $1 AND episode = $2 AND state = 'interrupted'`, [groupId, episode]);
  }

  /** The card shows the diagnosis: a new version, shown again by the outbox. */
  private async dirty(q: Queryable, groupId: string, platforms: readonly string[]): Promise<void> {
    const [g] = await q.query<{ channel: string }>('UPDATE alert_groups SET version = version + 1 WHERE id = $1 RETURNING channel', [groupId]);
    if (g) await markGroupDirty(q, groupId, g.channel, platforms);
  }
}
