import type { FirebreakConfig } from '../config/schema.js';
import type { ProcedureConfig } from '../config/procedures-schema.js';
import { healthTargets } from '../core/health-targets.js';
import type { Actor } from '../core/identity.js';
import type { ReplySink } from '../core/invocation.js';
import type { Outcome } from '../core/outcome.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import { excerpt } from '../core/redact.js';
import { interruptedText, type StepPlan } from '../core/step-plan.js';
import type { StepEnd } from '../core/step-runner.js';
import { procedureCard } from './card.js';
import { planCommand, runCommand, type StepCaller } from './command-steps.js';
import type { ProcedureRun, RunStep } from './model.js';
import type { ProceduresPorts } from './ports.js';
import { notReadOnly } from './read-only.js';
import { dropSecrets, openSecretsKeeping } from '../core/held-secrets.js';
import { extendRunLeases, keepRunLeasesAlive, releaseRunLeases, RUN_LEASE_TTL_MS } from './run-leases.js';

/** Where the runner works: the config, the ports, and the card's message (a press's or the confirmation's). */
interface RunEnv<P extends ProceduresPorts & PipelinePorts<P>> {
  config: FirebreakConfig;
  ports: P;
  sink: ReplySink;
  /** The run's secret params while this process runs its steps; null when their key is no longer held. */
  secrets?: Readonly<Record<string, string>> | null;
}

/** How one attempt of a step ended. */
interface StepResult {
  ok: boolean;
  /** Cut off by shutdown: outcome unknown, never retried on its own. */
  interrupted?: boolean;
  excerpt: string;
  durationMs: number;
}

/** As short as the run's own lease: once the sweep marks a dead process's run, Retry finds the step free. */
const STEP_LEASE_TTL_MS = RUN_LEASE_TTL_MS;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function procedureOf(config: FirebreakConfig, run: ProcedureRun): ProcedureConfig | undefined {
  return Object.hasOwn(config.procedures, run.procedure) ? config.procedures[run.procedure] : undefined;
}

/** The card as it is now. */
export function cardOf(config: FirebreakConfig, ports: ProceduresPorts, run: ProcedureRun) {
  return procedureCard(run, procedureOf(config, run)?.role ?? 'responders', ports.redactor);
}

/** The outcome of a run as far as it got: ok while it waits or when done; failed when it stopped at a failure. */
export function runOutcome(config: FirebreakConfig, ports: ProceduresPorts, run: ProcedureRun): Extract<Outcome, { status: 'ok' | 'failed' }> {
  const failed = run.status === 'failed' || run.status === 'interrupted' || (run.status === 'done' && run.steps.some((s) => s.state === 'failed'));
  return { status: failed ? 'failed' : 'ok', reply: cardOf(config, ports, run) };
}

async function persist<P extends ProceduresPorts & PipelinePorts<P>>(env: RunEnv<P>, run: ProcedureRun, show = true): Promise<ProcedureRun> {
  const saved = await env.ports.procedureRuns.save(run);
  // The run is this process's while it runs steps: a lost write means the store changed under it.
  if (!saved) throw new Error(`procedure run ${run.id} was changed by someone else while it ran`);
  if (show) await env.sink.progress(cardOf(env.config, env.ports, saved));
  return saved;
}

/**
 * Runs the steps of a run from `run.current` (saved as running by the caller, its leases held) until
 * all are through, one waits for a person, one fails (its on_failure steps run) or one is
 * interrupted. Every change is saved and shown on the card in place.
 */
export async function advance<P extends ProceduresPorts & PipelinePorts<P>>(envIn: RunEnv<P>, start: ProcedureRun, opts: { failed?: boolean } = {}): Promise<ProcedureRun> {
  // The secrets' key is taken while this process runs steps; if it dies, the key is gone and a step
  // that needs it fails ("start the procedure again") rather than run without it.
  const held = start.sealed ? await openSecretsKeeping(envIn.ports.coordination, start.sealed) : undefined;
  if (held) envIn.ports.redactor.learn(Object.values(held.secrets));
  const env: RunEnv<P> = { ...envIn, secrets: held === undefined ? {} : (held?.secrets ?? null) };
  const stopRenewing = keepRunLeasesAlive(env.ports.leases, start, env.ports.logger);
  let end: ProcedureRun;
  try {
    end = opts.failed ? await failRun(env, start) : await runSteps(env, start);
  } catch (err) {
    // The store failed mid-run: the run may still be retried after the sweep, with its secrets.
    if (held) await held.holdAgain(env.config.confirmations.ttl_s * 1000).catch(() => {});
    throw err;
  } finally {
    stopRenewing();
  }
  if (end.status === 'done') {
    await finishRun(env, end);
  } else {
    // Stopped for a person (a gate, a failure): the services and the secrets stay held for as long as a confirmation waits.
    await extendRunLeases(env.ports.leases, end, env.config.confirmations.ttl_s * 1000);
    if (held) await held.holdAgain(env.config.confirmations.ttl_s * 1000);
  }
  return end;
}

async function runSteps<P extends ProceduresPorts & PipelinePorts<P>>(env: RunEnv<P>, start: ProcedureRun): Promise<ProcedureRun> {
  let run = start;
  while (run.current < run.steps.length) {
    const i = run.current;
    const step = run.steps[i]!;
    if (step.state === 'ok' || step.state === 'skipped') {
      run = { ...run, current: i + 1 };
      continue;
    }
    if (step.kind === 'approve' || step.kind === 'manual') return await persist(env, withStep({ ...run, status: 'waiting' }, 'steps', i, { state: 'waiting' }));
    let result: StepResult;
    for (;;) {
      run = await persist(env, withStep(run, 'steps', i, { state: 'running', attempts: run.steps[i]!.attempts + 1 }));
      result = await executeStep(env, run, 'steps', i);
      const attempts = run.steps[i]!.attempts;
      if (result.ok || result.interrupted || attempts > step.config.retries) break;
      await sleep(Math.min(1000 * 2 ** (attempts - 1), 30_000));
    }
    run = withStep(run, 'steps', i, { state: result.interrupted ? 'interrupted' : result.ok ? 'ok' : 'failed', durationMs: result.durationMs, excerpt: result.excerpt });
    if (result.interrupted) return await persist(env, { ...run, status: 'interrupted' });
    if (!result.ok && !step.config.continue_on_failure) return await failRun(env, run);
    run = await persist(env, { ...run, current: i + 1 });
  }
  return await persist(env, { ...run, status: 'done' }, false);
}

/** The current step failed: the on_failure steps run (each best effort), then the card offers Retry / Skip / Abort. */
async function failRun<P extends ProceduresPorts & PipelinePorts<P>>(env: RunEnv<P>, failed: ProcedureRun): Promise<ProcedureRun> {
  let run = await persist(env, failed);
  for (let j = 0; j < run.onFailure.length; j++) {
    run = await persist(env, withStep(run, 'onFailure', j, { state: 'running', attempts: run.onFailure[j]!.attempts + 1 }));
    const r = await executeStep(env, run, 'onFailure', j);
    run = withStep(run, 'onFailure', j, { state: r.interrupted ? 'interrupted' : r.ok ? 'ok' : 'failed', durationMs: r.durationMs, excerpt: r.excerpt });
  }
  return await persist(env, { ...run, status: 'failed' });
}

/** Done or aborted: the services are free again and the run's end is on the timeline. */
export async function finishRun<P extends ProceduresPorts & PipelinePorts<P>>(env: RunEnv<P>, run: ProcedureRun): Promise<void> {
  await releaseRunLeases(env.ports.leases, run, env.ports.logger);
  // Nothing will need them again: the stored ciphertext becomes unreadable now, not at the TTL.
  if (run.sealed) await dropSecrets(env.ports.coordination, run.sealed);
  const by = run.confirmedBy ?? run.requestedBy;
  await env.ports.timeline.recordOrKeep({
    invocationId: run.invocationId,
    incidentId: run.incidentId,
    kind: 'procedure.finished',
    actor: by,
    channel: run.channel,
    command: 'procedure',
    text: `procedure ${run.procedure}`,
    outcome: run.status === 'done' ? (run.steps.some((s) => s.state === 'failed') ? 'failed' : 'ok') : run.status,
    detail: { run: run.id, procedure: run.procedure, steps: run.steps.map((s) => s.state) },
  });
}

function withStep(run: ProcedureRun, list: 'steps' | 'onFailure', i: number, change: Partial<RunStep>): ProcedureRun {
  const steps = run[list].map((s, j) => (j === i ? { ...s, ...change } : s));
  return { ...run, [list]: steps };
}

/** One attempt of a step that runs unattended (run, check, wait), under the step runner: drained on shutdown like any step. */
async function executeStep<P extends ProceduresPorts & PipelinePorts<P>>(env: RunEnv<P>, run: ProcedureRun, list: 'steps' | 'onFailure', i: number): Promise<StepResult> {
  const step = run[list][i]!;
  const actor: Actor = run.confirmedBy ?? run.requestedBy;
  const who: StepCaller = { actor, channel: run.channel, invocationId: run.invocationId, incidentId: run.incidentId };
  const n = `${list === 'onFailure' ? 'on_failure ' : ''}step ${i + 1} of procedure ${run.procedure}`;
  const belowMin = step.config.below_min;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (text: string): StepResult => ({ ok: false, excerpt: text, durationMs: elapsed() });

  let plan: StepPlan = { title: `${n}: ${step.label}`, lease: `procedure-step:${run.id}` };
  let work: (signal: AbortSignal) => Promise<StepResult>;
  let authority: { config: FirebreakConfig; requestedBy: Actor; what: string } | undefined;
  if (step.kind === 'run') {
    const text = step.text ?? '';
    if ((step.secrets?.length ?? 0) > 0 && !env.secrets) {
      return failed(`${text}: the secret is no longer held: start the procedure again (/procedure ${run.procedure}), and you will be asked for it again. Nothing was run.`);
    }
    const secrets = env.secrets ?? {};
    // Planned again now: the state it reads (a replica count) is the one before this step, not before the run.
    // An unattended run's steps are read-only and the config scheduled them: the system has no role to lack.
    const bySystem = run.unattended !== undefined;
    const planned = await planCommand(env.config, env.ports, text, who, { belowMin, bySystem, secrets });
    if (planned.kind === 'invalid') return failed(planned.message);
    if (planned.kind === 'plan') {
      if (!run.leases.includes(planned.plan.lease)) return failed(`${text} now needs the lease ${planned.plan.lease}, which this run does not hold; run the procedure again.`);
      plan = { ...plan, title: `${n}: ${planned.plan.title}`, argv: planned.plan.argv, role: planned.plan.role, approval: planned.plan.approval };
      if (!bySystem) authority = { config: env.config, requestedBy: run.requestedBy, what: `${n} (${text})` };
    }
    work = async (signal) => {
      const o = await runCommand(env.config, env.ports, planned, text, who, { progress: async () => {} }, signal, { belowMin, secrets });
      if (o.status === 'confirm') return failed(`${text} planned another step instead of running.`);
      const out = 'execution' in o && o.execution?.output ? o.execution.output : (o.reply.code ?? '');
      return { ok: o.status === 'ok', excerpt: excerpt([o.reply.title, o.reply.status === 'error' ? o.reply.text : '', out].filter(Boolean).join('\n'), 300), durationMs: elapsed() };
    };
  } else {
    const target = healthTargets(env.config).find((t) => t.name === (step.config.check ?? step.config.wait?.until));
    if (!target) return failed(`${step.label}: that health check is no longer configured.`);
    const wait = step.config.wait;
    work = async (signal) => {
      const deadline = wait ? performance.now() + wait.timeout_s * 1000 : 0;
      for (;;) {
        const r = await env.ports.health.probe(target.check);
        if (r.ok || !wait) return { ok: r.ok, excerpt: `${target.name}: ${r.detail}`, durationMs: elapsed() };
        if (performance.now() + wait.every_s * 1000 > deadline) return failed(`${target.name} did not pass within ${wait.timeout_s} s: ${r.detail}`);
        if (signal.aborted) return failed(`${target.name}: stopped waiting (${String(signal.reason)})`);
        await sleep(wait.every_s * 1000);
      }
    };
  }
  const base = { invocationId: run.invocationId, incidentId: run.incidentId, channel: run.channel, command: step.kind === 'run' ? (step.text ?? '').slice(1).split(/\s/)[0] ?? 'procedure' : 'procedure', actor, text: plan.title };
  // A read-only command step (/health, a read_only action) is never taken as the incident's mitigation.
  const readOnly = step.kind === 'run' && notReadOnly(env.config, step.config, env.ports.registry) === null;
  const detail = { procedure: run.procedure, run: run.id, step: `${list === 'onFailure' ? 'on_failure.' : ''}${i + 1}`, kind: step.kind, ...(readOnly ? { readOnly: true } : {}) };
  const limit = step.config.timeout_s;
  const res = await env.ports.steps.run<StepResult, StepResult>(
    {
      id: `${run.id}.${list}.${i}.${step.attempts}`,
      plan,
      actor,
      ...(authority ? { authority } : {}),
      leaseTtlMs: STEP_LEASE_TTL_MS,
      onLeaseLost: 'abort',
      // A command step starts like a typed one (action.started, then action.finished); a check or a
      // wait changes nothing, so its one procedure.step row at the end says all there is.
      begin: async () => {
        if (step.kind === 'run') await env.ports.timeline.record({ ...base, kind: 'action.started', argv: plan.argv ?? null, detail });
        return true;
      },
      execute: (signal) => (limit ? withTimeout(work, signal, limit) : work(signal)),
      finish: async (end: StepEnd<StepResult>) => {
        const r: StepResult =
          end.kind === 'finished'
            ? end.value
            : end.kind === 'threw'
              ? failed(env.ports.redactor.redact(end.error instanceof Error ? end.error.message : String(end.error)))
              : { ok: false, interrupted: true, excerpt: interruptedText(plan.title), durationMs: end.durationMs };
        await env.ports.timeline.recordOrKeep({
          ...base,
          kind: step.kind === 'run' ? 'action.finished' : 'procedure.step',
          argv: plan.argv ?? null,
          outcome: r.interrupted ? 'interrupted' : r.ok ? 'ok' : 'failed',
          output: r.excerpt,
          durationMs: r.durationMs,
          detail,
        });
        return r;
      },
    },
    env.ports,
  );
  switch (res.kind) {
    case 'done':
      return res.result;
    case 'refused':
      return failed(res.refusal.reply.text ?? res.refusal.reply.title);
    case 'busy':
      return failed(`${res.heldBy.description} is already running, started by ${res.heldBy.actorName}.`);
    case 'stopping':
      return { ok: false, interrupted: true, excerpt: 'Firebreak was shutting down, so this step was not started.', durationMs: 0 };
    case 'not-begun':
      return failed('The step was not begun.');
  }
}

/** A step's own timeout_s: its signal aborts (tools stop) and the step fails. */
async function withTimeout(work: (signal: AbortSignal) => Promise<StepResult>, signal: AbortSignal, seconds: number): Promise<StepResult> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StepResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${seconds} s`));
      resolve({ ok: false, excerpt: `Timed out after ${seconds} s (timeout_s).`, durationMs: seconds * 1000 });
    }, seconds * 1000);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}
