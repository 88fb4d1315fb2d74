import type { AlertsPorts } from '../alerts/ports.js';
import type { DiagnosisStore } from '../alerts/diagnosis.js';
import type { BackupsPorts, BackupsTx } from '../backups/ports.js';
import type { ButtonRegistry } from '../core/button-handlers.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { Transactor } from '../core/ports.js';
import type { CommandRegistry } from '../core/registry.js';
import type { IncidentsPorts } from '../incidents/ports.js';
import type { PostmortemsPorts } from '../postmortems/ports.js';
import type { ProceduresPorts } from '../procedures/ports.js';

/** One transaction of the store's transactor: every room's transactional repositories. */
export type AppTx = BackupsTx;

/**
 * Every port main.ts builds: the core's and each room's. The dispatcher runs with these, so a
 * command or button may ask for any room's ports; a room's own code names only its own
 * (`AlertsPorts`, `IncidentsPorts`, …). Outside src/core, because it names every room.
 */
export interface AppPorts extends AlertsPorts, IncidentsPorts, PostmortemsPorts, BackupsPorts, ProceduresPorts, PipelinePorts<AppPorts> {
  registry: CommandRegistry<AppPorts>;
  buttons: ButtonRegistry<AppPorts>;
  transactor: Transactor<AppTx>;
  /** Diagnoses of alert groups (routes' diagnose:): the worker's claims, the Diagnose button's, /diagnose's. */
  diagnoses?: DiagnosisStore;
  /** Counts each diagnosis by outcome (firebreak_diagnoses_total); absent in tests that build no metrics. */
  diagnosisMetrics?: { diagnosis(outcome: string): void };
}
