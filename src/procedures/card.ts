import type { Redactor } from '../core/redact.js';
import type { Reply, ReplyButton, ReplyRow, ReplyStatus } from '../core/reply.js';
import { cut, duration, oneLine } from '../core/text-format.js';
import type { ProcedureRun, RunStep, StepState } from './model.js';
import { displayArgv } from '../core/argv-display.js';

/** Button action ids on a procedure card: `procedure:ACTION:RUN:STEP` (run ids are 20 chars). */
export const PROCEDURE_ACTIONS = ['approve', 'reject', 'done', 'retry', 'skip', 'abort'] as const;
export type ProcedureAction = (typeof PROCEDURE_ACTIONS)[number];
const procedureActionId = (action: ProcedureAction, runId: string, step: number) => `procedure:${action}:${runId}:${step}`;

const ROW: Record<StepState, { status: ReplyStatus; word: string }> = {
  pending: { status: 'info', word: '· not run yet' },
  running: { status: 'pending', word: '⏳ running' },
  ok: { status: 'ok', word: '✅ ok' },
  failed: { status: 'error', word: '❌ failed' },
  skipped: { status: 'info', word: '⏭ skipped' },
  waiting: { status: 'warning', word: '✋ waiting for a person' },
  interrupted: { status: 'warning', word: '⚠️ interrupted — outcome unknown' },
};

/** What a step does, as the card shows it: the exact command, check or question. */
export function stepWhat(s: RunStep): string {
  switch (s.kind) {
    case 'run':
      return s.text ?? '';
    case 'check':
      return `check ${s.config.check}`;
    case 'wait':
      return `wait until ${s.config.wait?.until} passes (every ${s.config.wait?.every_s} s, up to ${s.config.wait?.timeout_s} s)`;
    case 'approve':
      return `approve: ${s.config.approve}`;
    case 'manual':
      return `manual: ${s.config.manual}`;
  }
}

function row(s: RunStep, i: number, prefix: string, redactor: Redactor): ReplyRow {
  const r = ROW[s.state];
  const took = s.durationMs !== undefined ? duration(s.durationMs, 'tenths') : '';
  const what = s.config.name ? `${s.config.name} (${stepWhat(s)})` : stepWhat(s);
  const argv = s.argv && s.argv.length > 0 ? `→ ${displayArgv(s.argv, redactor)}` : '';
  return { status: r.status, cells: [`${prefix}${i + 1}.`, cut(what, 120), r.word, took, oneLine([argv, s.excerpt ? redactor.redact(s.excerpt) : ''].filter(Boolean).join(' · '), 200)] };
}

function headline(run: ProcedureRun): { title: string; status: ReplyStatus } {
  const n = run.steps.length;
  const at = `step ${Math.min(run.current + 1, n)} of ${n}`;
  switch (run.status) {
    case 'pending':
      return { title: `Procedure ${run.procedure}: ${n} steps, waiting for confirmation`, status: 'pending' };
    case 'running':
      return { title: `Procedure ${run.procedure}: running ${at}`, status: 'pending' };
    case 'waiting':
      return { title: `Procedure ${run.procedure}: ${at} waits for a person`, status: 'pending' };
    case 'failed':
      return { title: `Procedure ${run.procedure}: ${at} failed`, status: 'error' };
    case 'interrupted':
      return { title: `Procedure ${run.procedure}: ${at} was interrupted — outcome unknown`, status: 'warning' };
    case 'aborted':
      return { title: `Procedure ${run.procedure}: aborted at ${at}`, status: 'warning' };
    case 'done': {
      const failed = run.steps.filter((s) => s.state === 'failed').length;
      return failed > 0
        ? { title: `Procedure ${run.procedure}: done, ${failed} step${failed === 1 ? '' : 's'} failed (continue_on_failure)`, status: 'warning' }
        : { title: `Procedure ${run.procedure}: all ${n} steps done`, status: 'ok' };
    }
  }
}

/** The one card of a run, redrawn in place at every change: every step with its state, and the buttons of the moment. */
export function procedureCard(run: ProcedureRun, role: string, redactor: Redactor): Reply {
  const h = headline(run);
  const rows = run.steps.map((s, i) => row(s, i, '', redactor));
  const ranOnFailure = run.onFailure.some((s) => s.state !== 'pending');
  if (ranOnFailure) rows.push(...run.onFailure.map((s, i) => row(s, i, 'on_failure ', redactor)));
  const step = run.steps[run.current];
  const buttons: ReplyButton[] = [];
  let text: string | undefined;
  if (run.status === 'waiting' && step) {
    if (step.kind === 'approve') {
      text = `${step.config.approve} — someone with the "${role}" role approves or rejects.`;
      buttons.push({ actionId: procedureActionId('approve', run.id, run.current), label: 'Approve', style: 'primary' }, { actionId: procedureActionId('reject', run.id, run.current), label: 'Reject', style: 'danger' });
    } else {
      text = `Do this by hand: ${step.config.manual} — then someone with the "${role}" role presses Done.`;
      buttons.push({ actionId: procedureActionId('done', run.id, run.current), label: 'Done', style: 'primary' });
    }
    buttons.push({ actionId: procedureActionId('abort', run.id, run.current), label: 'Abort' });
  }
  if ((run.status === 'failed' || run.status === 'interrupted') && step) {
    text =
      run.status === 'interrupted'
        ? `Step ${run.current + 1} was running when its Firebreak process stopped: what it changed is unknown. Check the target, then Retry step, Skip step or Abort.`
        : `Step ${run.current + 1} failed${ranOnFailure ? '; the on_failure steps ran' : ''}. Later steps did not run. Retry step, Skip step or Abort.`;
    buttons.push(
      { actionId: procedureActionId('retry', run.id, run.current), label: 'Retry step', style: 'primary' },
      { actionId: procedureActionId('skip', run.id, run.current), label: 'Skip step' },
      { actionId: procedureActionId('abort', run.id, run.current), label: 'Abort', style: 'danger' },
    );
  }
  if (run.status === 'aborted') text = 'Aborted: the remaining steps were not run.';
  const params = Object.entries(run.params);
  return {
    title: h.title,
    status: h.status,
    text,
    rows,
    fields: params.length > 0 ? [{ label: 'Params', value: params.map(([k, v]) => `${k}=${v}`).join(' ') }] : undefined,
    context: (run.unattended
      ? [`Run ${run.id}`, `unattended (read-only): ${run.unattended.trigger}`]
      : [`Run ${run.id}`, `requested by ${run.requestedBy.name}`, run.confirmedBy ? `confirmed by ${run.confirmedBy.name}` : null]
    )
      .filter(Boolean)
      .join(' · '),
    buttons: buttons.length > 0 ? buttons : undefined,
  };
}
