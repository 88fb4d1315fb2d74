import type { AppPorts } from '../app/ports.js';
import type { AnyCommandSpec } from '../core/spec.js';
import { alertsCommand } from './alerts.js';
import { backupCommand } from './backup.js';
import { diagnoseCommand } from './diagnose.js';
import { drillCommand } from './drill.js';
import { healthCommand } from './health.js';
import { helpCommand } from './help.js';
import { incidentCommand } from './incident.js';
import { logsCommand } from './logs.js';
import { maintenanceCommand } from './maintenance.js';
import { procedureCommand } from './procedure.js';
import { restartCommand } from './restart.js';
import { rollbackCommand } from './rollback.js';
import { runCommand } from './run.js';
import { scaleCommand } from './scale.js';
import { statusCommand } from './status.js';
import { timelineCommand } from './timeline.js';

/** The explicit list of commands. Adding one: a file here, an entry below, and a manifest.yml entry. */
export const commands: AnyCommandSpec<AppPorts>[] = [healthCommand, helpCommand, runCommand, backupCommand, statusCommand, logsCommand, rollbackCommand, scaleCommand, restartCommand, alertsCommand, incidentCommand, procedureCommand, timelineCommand, maintenanceCommand, diagnoseCommand, drillCommand];
