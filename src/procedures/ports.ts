import type { CorePorts } from '../core/services.js';
import type { ProcedureRun, RunStatus } from './model.js';

/** Procedure runs in the store: the whole run is one row, saved against the version it was read at. */
export interface ProcedureRunStore {
  create(run: ProcedureRun): Promise<void>;
  get(id: string): Promise<ProcedureRun | null>;
  /**
   * Writes `run` if the stored version is still `run.version`; returns it with the next version, or
   * null when someone else saved first (a double click, another replica).
   */
  save(run: ProcedureRun): Promise<ProcedureRun | null>;
  withStatus(statuses: RunStatus[]): Promise<ProcedureRun[]>;
  /** True for the one caller that claims this scheduled slot (an ISO time) of the procedure; false for every other. */
  claimSlot(procedure: string, slot: string): Promise<boolean>;
}

/** What the procedures room uses: the core's ports and its run store. */
export interface ProceduresPorts extends CorePorts {
  procedureRuns: ProcedureRunStore;
}
