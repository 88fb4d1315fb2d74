import { commands } from '../commands/index.js';
import { ConfigError, type LoadedConfig } from '../config/load.js';
import { CommandRegistry } from '../core/registry.js';
import { procedureCommandProblems } from '../procedures/check-commands.js';
import { scheduleNotes } from '../procedures/read-only.js';
import { diagnoseProblems } from '../procedures/diagnose.js';
import type { AppPorts } from './ports.js';

/**
 * The config against the command registry: each procedure's `run:` steps name commands that exist,
 * and each route's `diagnose:` procedure is read-only.
 * Throws a ConfigError. Kept out of main.ts so `firebreak config check` loads no store or SDK.
 */
export function checkProcedureCommands(loaded: LoadedConfig): void {
  const registry = new CommandRegistry<AppPorts>(commands);
  const problems = [...procedureCommandProblems(loaded.config, registry), ...diagnoseProblems(loaded.config, registry)];
  if (problems.length > 0) throw new ConfigError(loaded.source, problems);
}

/** For `firebreak config check`: each scheduled procedure that will post a card rather than run, and which step is why. */
export function procedureScheduleNotes(loaded: LoadedConfig): string[] {
  return scheduleNotes(loaded.config, new CommandRegistry<AppPorts>(commands));
}
