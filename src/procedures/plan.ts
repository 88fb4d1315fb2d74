import { randomUUID } from 'node:crypto';
import type { ProcedureConfig, ProcedureStepConfig } from '../config/procedures-schema.js';
import type { FirebreakConfig } from '../config/schema.js';
import { alreadyRunning } from '../core/authorize.js';
import type { Outcome, PlannedStep } from '../core/outcome.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import { planCommand, type StepCaller } from './command-steps.js';
import type { ProcedureRun, RunStep } from './model.js';
import { fillStep, procedureOwner } from './params.js';
import { parseParams } from '../core/action-params.js';
import type { ActionParamValues } from '../core/ports.js';
import type { ProceduresPorts } from './ports.js';
import { stepWhat } from './card.js';
import { displayArgv } from '../core/argv-display.js';
import type { Redactor } from '../core/redact.js';
import { sealSecrets } from '../core/held-secrets.js';

/** What the card shows for a secret param: that it was given, never what. */
const GIVEN_PRIVATELY = '•••••• (given privately)';

const invalid = (title: string, text: string): Outcome => ({ status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } });

function label(s: ProcedureStepConfig, text: string | undefined): string {
  return s.name ?? text ?? s.check ?? (s.wait ? `wait for ${s.wait.until}` : (s.approve ?? s.manual ?? ''));
}

/**
 * `/procedure NAME k=v …`: every param and every step (on_failure too) checked before anything runs
 * — each command step planned by its own command — then the run is stored, pending, and one
 * confirmation card shows all of it. The first problem is one sentence.
 */
export async function planProcedure<P extends ProceduresPorts & PipelinePorts<P>>(
  config: FirebreakConfig,
  ports: P,
  name: string,
  p: ProcedureConfig,
  words: readonly string[],
  who: StepCaller,
  /** Secret params, given privately (a modal, a hidden prompt, --secret): never typed in the channel. */
  given: ReadonlyMap<string, string> = new Map(),
): Promise<Outcome> {
  const checked = parseParams(procedureOwner(name, p), words, { oneWord: true, secrets: given });
  if (!checked.ok) {
    // A secret typed in the open is masked from here on: in this refusal's record, the logs, every later reply.
    if (checked.exposed) ports.redactor.learn(checked.exposed);
    return invalid(`/procedure ${name}: invalid params`, checked.message);
  }
  ports.redactor.learn(Object.values(checked.secrets));
  const planned = await planRun(config, ports, name, p, checked.values, who, { secrets: checked.secrets });
  if (!('run' in planned)) return planned;
  await ports.procedureRuns.create(planned.run);
  return { status: 'confirm', plan: runPlan(planned.run, p, planned.secondPerson, ports.redactor) };
}

/**
 * A run of `p` with checked params, every step planned by its command (nothing runs, nothing is
 * stored): pending, requested by `who`. `bySystem`: requested by the system (a schedule), whose
 * config scheduled it; its roles are not checked here — a person who confirms or presses is.
 */
export async function planRun<P extends ProceduresPorts & PipelinePorts<P>>(
  config: FirebreakConfig,
  ports: P,
  name: string,
  p: ProcedureConfig,
  typed: ActionParamValues,
  who: StepCaller,
  opts: { bySystem?: boolean; secrets?: Readonly<Record<string, string>> } = {},
): Promise<{ run: ProcedureRun; secondPerson: boolean } | Outcome> {
  const secrets = opts.secrets ?? {};
  const values = Object.fromEntries(Object.entries(typed).map(([k, v]) => [k, String(v)]));
  const leases = new Set<string>();
  let secondPerson = false;
  const planList = async (list: ProcedureStepConfig[], what: string): Promise<RunStep[] | Outcome> => {
    const out: RunStep[] = [];
    for (const [i, s] of list.entries()) {
      const base = { config: s, state: 'pending' as const, attempts: 0 };
      if (s.run === undefined) {
        const step: RunStep = { ...base, kind: s.check !== undefined ? 'check' : s.wait ? 'wait' : s.approve !== undefined ? 'approve' : 'manual', label: label(s, undefined) };
        out.push(step);
        continue;
      }
      const text = fillStep(s.run, p, typed);
      const planned = await planCommand(config, ports, text, who, { belowMin: s.below_min, bySystem: opts.bySystem ?? false, secrets });
      if (planned.kind === 'invalid') return invalid(`/procedure ${name}: ${what} ${i + 1} is invalid`, `${what} ${i + 1}: ${planned.message} Nothing was run.`);
      const step: RunStep = { ...base, kind: 'run', text, label: label(s, text), ...(planned.secrets.length > 0 ? { secrets: planned.secrets } : {}) };
      if (planned.kind === 'plan') {
        leases.add(planned.plan.lease);
        if (planned.plan.approval === 'second-person') secondPerson = true;
        Object.assign(step, { argv: planned.plan.argv, lease: planned.plan.lease, role: planned.plan.role, approval: planned.plan.approval });
      }
      out.push(step);
    }
    return out;
  };
  const steps = await planList(p.steps, 'step');
  if (!Array.isArray(steps)) return steps;
  const onFailure = await planList(p.on_failure, 'on_failure step');
  if (!Array.isArray(onFailure)) return onFailure;
  // A service busy now would stop the run at its first step: say so instead of a card.
  for (const key of leases) {
    const busy = await ports.leases.current(key);
    if (busy) return alreadyRunning(busy, null);
  }
  // Only ciphertext is stored with the run; its key is held for as long as the card waits for Confirm.
  const sealed = Object.keys(secrets).length > 0 ? await sealSecrets(ports.coordination, secrets, config.confirmations.ttl_s * 1000) : undefined;
  const run: ProcedureRun = {
    ...(sealed ? { sealed } : {}),
    id: randomUUID().replace(/-/g, '').slice(0, 20),
    procedure: name,
    params: values,
    steps,
    onFailure,
    status: 'pending',
    current: 0,
    leases: [...leases].sort(),
    requestedBy: who.actor,
    confirmedBy: null,
    channel: who.channel,
    invocationId: who.invocationId,
    incidentId: who.incidentId,
    version: 1,
  };
  return { run, secondPerson };
}

/** The run as one confirmable step: every step with its exact command, one Confirm for all. */
export function runPlan(run: ProcedureRun, p: ProcedureConfig, secondPerson: boolean, redactor: Redactor): PlannedStep {
  const shown = (s: RunStep) => [stepWhat(s), s.argv ? `→ ${displayArgv(s.argv, redactor)}` : ''].filter(Boolean).join(' ');
  const params = Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return {
    action: 'procedure',
    payload: { run: run.id },
    title: `Run procedure ${run.procedure}${params ? ` with ${params}` : ''} (${run.steps.length} steps)?`,
    fields: [
      ...run.steps.map((s, i) => ({ label: `${i + 1}.${s.config.name ? ` ${s.config.name}` : ''}`, value: shown(s) })),
      ...run.onFailure.map((s, i) => ({ label: `on_failure ${i + 1}.${s.config.name ? ` ${s.config.name}` : ''}`, value: shown(s) })),
      ...Object.entries(p.params).filter(([n, q]) => q.type === 'string' && q.secret && run.steps.concat(run.onFailure).some((s) => s.secrets?.includes(n))).map(([n]) => ({ label: n, value: GIVEN_PRIVATELY })),
    ],
    note: [p.description, run.leases.length > 0 ? `Holds ${run.leases.join(', ')} for the whole run.` : ''].filter(Boolean).join(' '),
    lease: `procedure:${run.id}`,
    role: p.role,
    approval: secondPerson ? 'second-person' : 'one',
    confirmLabel: 'Run procedure',
  };
}
