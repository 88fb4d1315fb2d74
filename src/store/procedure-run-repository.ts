import type { ProcedureRun, RunStatus } from '../procedures/model.js';
import type { ProcedureRunStore } from '../procedures/ports.js';
import type { Queryable } from './db.js';

interface Row {
  version: number;
  state: Omit<ProcedureRun, 'version'>;
}

const toRun = (r: Row): ProcedureRun => ({ ...r.state, version: r.version });
// A step's output excerpt is whatever a tool printed, NUL bytes included (kubectl's protobuf errors
// quote them), and jsonb refuses U+0000: without this the run could not be saved at all.
const stateOf = ({ version: _v, ...state }: ProcedureRun) => JSON.stringify(state, (_k, v: unknown) => (typeof v === 'string' ? v.replace(/\u0000/g, '') : v));

/** Slot claims older than this are deleted now and then: they only need to outlive the slot itself. */
const SLOT_KEEP_DAYS = 30;
const PRUNE_EVERY = 100;

export class SqlProcedureRunRepository implements ProcedureRunStore {
  private claims = 0;

  constructor(private readonly db: Queryable) {}

  async create(run: ProcedureRun): Promise<void> {
    await this.db.query('INSERT INTO procedure_runs (id, procedure, status, version, state) VALUES ($1, $2, $3, $4, $5)', [run.id, run.procedure, run.status, run.version, stateOf(run)]);
  }

  async get(id: string): Promise<ProcedureRun | null> {
    const rows = await this.db.query<Row>('SELECT version, state FROM procedure_runs WHERE id = $1', [id]);
    return rows[0] ? toRun(rows[0]) : null;
  }

  async save(run: ProcedureRun): Promise<ProcedureRun | null> {
    const rows = await this.db.query<Row>(
      `UPDATE procedure_runs SET status = $3, state = $4, version = version + 1, updated_at = now()
       WHERE id = $1 AND version = $2 RETURNING version, state`,
      [run.id, run.version, run.status, stateOf(run)],
    );
    return rows[0] ? toRun(rows[0]) : null;
  }

  async withStatus(statuses: RunStatus[]): Promise<ProcedureRun[]> {
    const rows = await this.db.query<Row>('SELECT version, state FROM procedure_runs WHERE status = ANY($1::text[]) ORDER BY created_at', [statuses]);
    return rows.map(toRun);
  }

  async claimSlot(procedure: string, slot: string): Promise<boolean> {
    if (++this.claims % PRUNE_EVERY === 0) await this.db.query(`DELETE FROM procedure_slots WHERE slot < now() - interval '${SLOT_KEEP_DAYS} days'`);
    const rows = await this.db.query('INSERT INTO procedure_slots (procedure, slot) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING procedure', [procedure, slot]);
    return rows.length > 0;
  }
}
