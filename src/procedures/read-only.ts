import type { ProcedureConfig, ProcedureStepConfig } from '../config/procedures-schema.js';
import { PROCEDURE_PLACEHOLDER } from '../config/procedures-schema.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { CommandCatalog } from '../core/command-catalog.js';
import { ParseError, parseCommandText } from '../core/parser.js';

/** The first step that keeps a procedure from running unattended, and why, in words for config check and logs. */
export interface NotReadOnlyStep {
  list: 'steps' | 'on_failure';
  /** 0-based. */
  index: number;
  /** "step 2 (/scale litellm 0)". */
  label: string;
  why: string;
}

function stepLabel(list: 'steps' | 'on_failure', i: number, s: ProcedureStepConfig): string {
  const what = s.run ?? (s.approve !== undefined ? `approve: ${s.approve}` : s.manual !== undefined ? `manual: ${s.manual}` : (s.check ?? s.wait?.until ?? ''));
  return `${list === 'on_failure' ? 'on_failure ' : ''}step ${i + 1} (${what})`;
}

/** Why one step is not read-only; null when it only looks. */
export function notReadOnly(config: FirebreakConfig, s: ProcedureStepConfig, commands: CommandCatalog): string | null {
  if (s.check !== undefined || s.wait !== undefined) return null;
  if (s.approve !== undefined || s.manual !== undefined) return 'it waits for a person';
  if (s.run === undefined) return null;
  let parsed;
  try {
    parsed = parseCommandText(s.run.replace(PROCEDURE_PLACEHOLDER, 'x'));
  } catch (err) {
    if (err instanceof ParseError) return err.message;
    throw err;
  }
  const spec = commands.get(parsed.command);
  if (!spec) return `there is no command /${parsed.command}`;
  if (spec.name === 'run') {
    // /run is read-only exactly when its action says read_only: true; a {param} action could be any.
    const name = /^\/run\s+(\S+)/.exec(s.run.trim())?.[1]?.toLowerCase();
    if (!name) return 'it names no action';
    if (name.includes('{')) return 'its action is chosen by a param, so it may be one that changes things';
    const action = Object.hasOwn(config.actions, name) ? config.actions[name] : undefined;
    if (!action) return `there is no action ${name}`;
    return action.read_only ? null : `action ${name} is not read_only: true`;
  }
  return spec.mutating ? `/${spec.name} changes things` : null;
}

/**
 * The first step (steps, then on_failure) that is not read-only: a check, a wait, a read-only
 * command (/health, /status, /logs … — `mutating: false`) and `/run` of a `read_only: true` action
 * only look; anything else changes things or needs a person. Null: the whole procedure may run
 * unattended (a schedule, an alert's diagnosis).
 */
export function firstNotReadOnlyStep(config: FirebreakConfig, p: ProcedureConfig, commands: CommandCatalog): NotReadOnlyStep | null {
  for (const list of ['steps', 'on_failure'] as const) {
    for (const [i, s] of p[list].entries()) {
      const why = notReadOnly(config, s, commands);
      if (why) return { list, index: i, label: stepLabel(list, i, s), why };
    }
  }
  return null;
}

/**
 * What `firebreak config check` and start-up say about each scheduled procedure that will not run
 * unattended: which step is not read-only, so its schedule posts a confirmation card instead.
 */
export function scheduleNotes(config: FirebreakConfig, commands: CommandCatalog): string[] {
  const notes: string[] = [];
  for (const [name, p] of Object.entries(config.procedures)) {
    if (p.schedule === undefined) continue;
    const step = firstNotReadOnlyStep(config, p, commands);
    if (step) notes.push(`procedure ${name}'s ${step.label} is not read-only (${step.why}), so its schedule (${p.schedule}) posts a confirmation card in #${config.chat.incidents_channel} for a person to confirm instead of running it.`);
  }
  return notes;
}
