import type { ProcedureConfig } from '../config/procedures-schema.js';
import { PROCEDURE_PLACEHOLDER } from '../config/procedures-schema.js';
import { paramText, paramUsage, type ParamOwner } from '../core/action-params.js';
import type { ActionParamValues } from '../core/ports.js';

/** A procedure's params are checked by core's param checker, the one `/run` uses (src/core/action-params.ts). */
export function procedureOwner(name: string, p: ProcedureConfig): ParamOwner {
  return { command: '/procedure', name, params: p.params, rules: p.rules };
}

export function usage(name: string, p: ProcedureConfig): string {
  return `Usage: ${paramUsage(procedureOwner(name, p))}`;
}

/** Fills `{param}` in a step's command from validated values; a false bool or an absent optional param becomes nothing (and its word goes). */
export function fillStep(text: string, p: ProcedureConfig, values: ActionParamValues): string {
  return text.replace(PROCEDURE_PLACEHOLDER, (_m, key: string) => paramText(p.params[key], values[key])).replace(/\s+/g, ' ').trim();
}
