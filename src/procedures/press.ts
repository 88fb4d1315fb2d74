import type { FirebreakConfig } from '../config/schema.js';
import { alreadyRunning, roleDenied } from '../core/authorize.js';
import type { ButtonOutcome } from '../core/button-handlers.js';
import { hasRole } from '../core/guards.js';
import type { Actor } from '../core/identity.js';
import type { ReplySink } from '../core/invocation.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { ProcedureAction } from './card.js';
import { isFinished, type ProcedureRun, type RunStep } from './model.js';
import type { ProceduresPorts } from './ports.js';
import { holdRunLeases, releaseRunLeases } from './run-leases.js';
import { advance, finishRun, procedureOf, runOutcome } from './runner.js';

const refuse = (title: string, text: string): ButtonOutcome => ({ status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } });

/** Which presses fit a run's state: gates while it waits on them, Retry/Skip after a failure or an interruption, Abort at any stop. */
function fits(run: ProcedureRun, action: ProcedureAction, step: RunStep): boolean {
  switch (action) {
    case 'approve':
    case 'reject':
      return run.status === 'waiting' && step.kind === 'approve';
    case 'done':
      return run.status === 'waiting' && step.kind === 'manual';
    case 'retry':
    case 'skip':
      return run.status === 'failed' || run.status === 'interrupted';
    case 'abort':
      return run.status === 'waiting' || run.status === 'failed' || run.status === 'interrupted';
  }
}

const pastTense: Record<ProcedureAction, string> = { approve: 'approved', reject: 'rejected', done: 'marked done', retry: 'retried', skip: 'skipped', abort: 'aborted' };

/**
 * A press on a procedure card, on any replica: checked against the stored run (its role, its state,
 * the step it names), decided once (the save is against the version read), then the run goes on
 * from there in this process, the card updated in place.
 */
export async function pressProcedure<P extends ProceduresPorts & PipelinePorts<P>>(
  config: FirebreakConfig,
  ports: P,
  press: { action: ProcedureAction; runId: string; step: number; actor: Actor; sink: ReplySink; now: Date },
): Promise<ButtonOutcome> {
  const run = await ports.procedureRuns.get(press.runId);
  if (!run) return refuse('Unknown procedure run', 'This procedure run does not exist (any more). Run /procedure again.');
  const p = procedureOf(config, run);
  if (!p) return refuse('Procedure no longer configured', `The procedure ${run.procedure} is not in the config any more. Nothing was run.`);
  if (!hasRole(config, press.actor, p.role)) return roleDenied(`${press.action} on procedure ${run.procedure}`, p.role, press.actor);
  const step = run.steps[press.step];
  if (!step || press.step !== run.current || !fits(run, press.action, step) || isFinished(run)) {
    return refuse('This button is out of date', `Procedure run ${run.id} is ${run.status} at step ${Math.min(run.current + 1, run.steps.length)}; "${press.action}" on step ${press.step + 1} no longer applies. Nothing was run.`);
  }
  const who = press.actor.name;
  const at = press.now.toISOString();
  const steps = [...run.steps];
  const env = { config, ports, sink: press.sink };
  let next: ProcedureRun;
  switch (press.action) {
    case 'abort': {
      const saved = await ports.procedureRuns.save({ ...run, status: 'aborted', steps: steps.map((s, i) => (i === run.current && s.state !== 'ok' ? { ...s, by: who, at, excerpt: [s.excerpt, `aborted by ${who}`].filter(Boolean).join(' · ') } : s)) });
      if (!saved) return decidedElsewhere(run);
      await finishRun(env, saved);
      return { ...runOutcome(config, ports, saved), status: 'ok', detail: { run: run.id, step: press.step + 1 } };
    }
    case 'approve':
    case 'done':
      steps[run.current] = { ...step, state: 'ok', by: who, at, excerpt: `${pastTense[press.action]} by ${who}` };
      next = { ...run, steps, status: 'running', current: run.current + 1 };
      break;
    case 'reject':
      steps[run.current] = { ...step, state: 'failed', by: who, at, excerpt: `rejected by ${who}` };
      next = { ...run, steps, status: 'running' };
      break;
    case 'retry':
      steps[run.current] = { ...step, state: 'pending', excerpt: `retried by ${who}` };
      next = { ...run, steps, status: 'running' };
      break;
    case 'skip':
      steps[run.current] = { ...step, state: 'skipped', by: who, at, excerpt: `skipped by ${who}` };
      next = { ...run, steps, status: 'running', current: run.current + 1 };
      break;
  }
  // Decided by a press: a card the sweep still meant to post would show a state that is gone.
  next = { ...next, repostCard: undefined };
  // The services again (a failed or waiting run keeps them only as long as a confirmation waits).
  const held = await holdRunLeases(ports.leases, run);
  if (!held.held) return alreadyRunning(held.heldBy, null);
  const saved = await ports.procedureRuns.save(next);
  if (!saved) return decidedElsewhere(run);
  try {
    const end = await advance(env, saved, { failed: press.action === 'reject' });
    return { ...runOutcome(config, ports, end), detail: { run: run.id, step: press.step + 1 } };
  } catch (err) {
    // The store failed mid-run: free the services now rather than hold them for a run nobody runs.
    // The run stays saved as running; with its run lease gone, the start-up sweep marks it interrupted.
    if (!isFinished(saved)) await releaseRunLeases(ports.leases, saved, ports.logger).catch(() => {});
    throw err;
  }
}

function decidedElsewhere(run: ProcedureRun): ButtonOutcome {
  return refuse('Already decided', `Someone else pressed a button on procedure run ${run.id} first. Nothing more was run.`);
}

