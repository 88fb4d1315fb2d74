import type { BackupProblem, BackupReportDay, BackupReportRepository } from '../backups/backup-port.js';
import type { Db } from './db.js';

interface Row {
  target: string;
  day: string;
  failed: number;
  skipped: number;
  first_at: Date;
  latest_at: Date;
  latest_kind: BackupProblem['kind'];
  latest_title: string;
  latest_text: string;
  latest_context: string | null;
}

// day as text: a date column would come back as a local-time Date from pg.
const COLUMNS = `target, to_char(day, 'YYYY-MM-DD') AS day, failed, skipped, first_at, latest_at, latest_kind, latest_title, latest_text, latest_context`;

function toDay(r: Row): BackupReportDay {
  return {
    target: r.target,
    day: r.day,
    failed: r.failed,
    skipped: r.skipped,
    firstAt: new Date(r.first_at),
    latestAt: new Date(r.latest_at),
    latest: { kind: r.latest_kind, target: r.target, title: r.latest_title, text: r.latest_text, ...(r.latest_context !== null ? { context: r.latest_context } : {}) },
  };
}

export class SqlBackupReportRepository implements BackupReportRepository {
  constructor(private readonly db: Db) {}

  async add(problem: BackupProblem, day: string, at: Date): Promise<BackupReportDay> {
    const failed = problem.kind === 'failed' ? 1 : 0;
    // "Latest" by the problem's own time: a slow replica reporting an older slot does not replace it.
    const latest = (col: string) => `CASE WHEN EXCLUDED.latest_at >= backup_reports.latest_at THEN EXCLUDED.${col} ELSE backup_reports.${col} END`;
    const rows = await this.db.query<Row>(
      `INSERT INTO backup_reports (target, day, failed, skipped, first_at, latest_at, latest_kind, latest_title, latest_text, latest_context)
       VALUES ($1, $2::date, $3, $4, $5, $5, $6, $7, $8, $9)
       ON CONFLICT (target, day) DO UPDATE SET
         failed = backup_reports.failed + EXCLUDED.failed,
         skipped = backup_reports.skipped + EXCLUDED.skipped,
         first_at = LEAST(backup_reports.first_at, EXCLUDED.first_at),
         latest_kind = ${latest('latest_kind')},
         latest_title = ${latest('latest_title')},
         latest_text = ${latest('latest_text')},
         latest_context = ${latest('latest_context')},
         latest_at = GREATEST(backup_reports.latest_at, EXCLUDED.latest_at)
       RETURNING ${COLUMNS}`,
      [problem.target, day, failed, 1 - failed, at, problem.kind, problem.title, problem.text, problem.context ?? null],
    );
    return toDay(rows[0]!);
  }

  async get(target: string, day: string): Promise<BackupReportDay | null> {
    const rows = await this.db.query<Row>(`SELECT ${COLUMNS} FROM backup_reports WHERE target = $1 AND day = $2::date`, [target, day]);
    return rows[0] ? toDay(rows[0]) : null;
  }
}
