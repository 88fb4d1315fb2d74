import type { FirebreakConfig } from '../config/schema.js';
import { alreadyRunning, roleDenied } from '../core/authorize.js';
import { hasRole } from '../core/guards.js';
import type { Actor } from '../core/identity.js';
import type { ReplySink } from '../core/invocation.js';
import type { Outcome } from '../core/outcome.js';
import type { PipelinePorts } from '../core/pipeline-ports.js';
import type { ProcedureRun } from './model.js';
import type { ProceduresPorts } from './ports.js';
import { holdRunLeases, releaseRunLeases } from './run-leases.js';
import { advance, runOutcome } from './runner.js';

/**
 * Confirmed: the run's services are leased for the whole run, then its steps run in order, the card
 * updated in place. Called from /procedure's execute, under the confirmation's own step.
 */
export async function startRun<P extends ProceduresPorts & PipelinePorts<P>>(config: FirebreakConfig, ports: P, runId: string, confirmer: Actor, sink: ReplySink): Promise<Outcome> {
  const run = await ports.procedureRuns.get(runId);
  if (!run) return { status: 'failed', reply: { title: 'Unknown procedure run', status: 'error', text: `There is no procedure run ${runId}. Nothing was run.` } };
  if (run.status !== 'pending') return { status: 'failed', reply: { title: 'Already started', status: 'info', text: `Procedure run ${runId} is ${run.status}. Nothing more was run.` } };
  // The confirmer stands behind every step: each command step's own role, not only the procedure's.
  const needs = [...run.steps, ...run.onFailure].find((s) => s.role !== undefined && !hasRole(config, confirmer, s.role));
  if (needs?.role) return roleDenied(`confirming procedure ${run.procedure} (step "${needs.label}")`, needs.role, confirmer);
  const held = await holdRunLeases(ports.leases, run);
  if (!held.held) return alreadyRunning(held.heldBy, null);
  const running = await ports.procedureRuns.save({ ...run, status: 'running', confirmedBy: confirmer });
  if (!running) return { status: 'failed', reply: { title: 'Already started', status: 'info', text: `Procedure run ${runId} was started by someone else. Nothing more was run.` } };
  let end: ProcedureRun;
  try {
    end = await advance({ config, ports, sink }, running);
  } catch (err) {
    // The store failed mid-run: free the services now; the start-up sweep marks the run interrupted.
    await releaseRunLeases(ports.leases, running, ports.logger).catch(() => {});
    throw err;
  }
  const outcome = runOutcome(config, ports, end);
  // The confirmation adds who requested and confirmed; the card's own line would say it twice.
  return { ...outcome, reply: { ...outcome.reply, context: `Run ${end.id}` } };
}
