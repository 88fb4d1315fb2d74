import type { ProcedureConfig, ProcedureStepConfig } from '../config/procedures-schema.js';
import { PROCEDURE_PLACEHOLDER } from '../config/procedures-schema.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { CommandCatalog } from '../core/command-catalog.js';
import { ParseError, parseCommandText } from '../core/parser.js';

/** A step that keeps a procedure from running unattended, and why, for `firebreak config check`. */
export interface NotReadOnlyStep {
  list: 'steps' | 'on_failure';
  /** 0-based position in its list. */
  index: number;
  name?: string;
  /** What the step does as written: its command, or "approve: …" / "manual: …". */
  what: string;
  why: string;
}

/**
 * The steps of a procedure that are not read-only: a procedure is read-only (and may run
 * unattended, on a schedule or on an alert's arrival) only when this is empty. Checks and waits
 * read; a gate or a manual step needs a person; a `run:` step is read-only when its command
 * changes nothing (`mutating: false`: /health, /status, /logs) or it is `/run` of an action with
 * `read_only: true`. What cannot be known from the config counts as changing things: an action
 * chosen by a `{param}`, an unknown action or command. Subcommands are not told apart (/backup
 * list counts as /backup).
 */
export function notReadOnlySteps(procedure: ProcedureConfig, config: Pick<FirebreakConfig, 'actions'>, commands: CommandCatalog): NotReadOnlyStep[] {
  const out: NotReadOnlyStep[] = [];
  for (const list of ['steps', 'on_failure'] as const) {
    procedure[list].forEach((step, index) => {
      const found = whyNotReadOnly(step, config, commands);
      if (found) out.push({ list, index, ...(step.name !== undefined ? { name: step.name } : {}), ...found });
    });
  }
  return out;
}

function whyNotReadOnly(step: ProcedureStepConfig, config: Pick<FirebreakConfig, 'actions'>, commands: CommandCatalog): { what: string; why: string } | null {
  if (step.check !== undefined || step.wait !== undefined) return null;
  if (step.approve !== undefined) return { what: `approve: ${step.approve}`, why: 'waits for a person to approve' };
  if (step.manual !== undefined) return { what: `manual: ${step.manual}`, why: 'is done by a person' };
  const text = step.run ?? '';
  let command: string;
  let first: string | undefined;
  try {
    const parsed = parseCommandText(text);
    command = parsed.command;
    first = parsed.positionals[0];
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    return { what: text, why: 'is not a command Firebreak can read' };
  }
  const spec = commands.get(command);
  if (!spec) return { what: text, why: `/${command} is not a command` };
  if (!spec.mutating) return null;
  if (command !== 'run') return { what: text, why: `/${command} changes things` };
  if (first === undefined || first === '') return { what: text, why: '/run without an action' };
  if (new RegExp(PROCEDURE_PLACEHOLDER.source).test(first)) return { what: text, why: 'the action is chosen by a param, so it may be any action' };
  const action = Object.hasOwn(config.actions, first.toLowerCase()) ? config.actions[first.toLowerCase()] : undefined;
  if (!action) return { what: text, why: `there is no action "${first}"` };
  return action.read_only ? null : { what: text, why: `action ${first.toLowerCase()} is not read_only` };
}

/** One line per step, e.g. `step 3 "deploy" (/run set-api-image tag={tag}): action set-api-image is not read_only`. */
export function describeNotReadOnly(s: NotReadOnlyStep): string {
  return `${s.list === 'on_failure' ? 'on_failure step' : 'step'} ${s.index + 1}${s.name !== undefined ? ` "${s.name}"` : ''} (${s.what}): ${s.why}`;
}

/** The first step that keeps a procedure from running unattended, with a label for logs ("step 2 (/scale litellm 0)"); null: it may run unattended. */
export function firstNotReadOnlyStep(config: Pick<FirebreakConfig, 'actions'>, p: ProcedureConfig, commands: CommandCatalog): (NotReadOnlyStep & { label: string }) | null {
  const s = notReadOnlySteps(p, config, commands)[0];
  return s ? { ...s, label: `${s.list === 'on_failure' ? 'on_failure ' : ''}step ${s.index + 1} (${s.what})` } : null;
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

/** Why one step is not read-only; null when it only looks (the runner marks such steps' events readOnly). */
export function notReadOnly(config: Pick<FirebreakConfig, 'actions'>, s: ProcedureStepConfig, commands: CommandCatalog): string | null {
  return whyNotReadOnly(s, config, commands)?.why ?? null;
}
