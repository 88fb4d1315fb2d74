import type { Invocation, DispatchResult } from './invocation.js';
import type { Execution, FinalStatus, JsonValue } from './outcome.js';
import { placementOf, type Placement } from './placement.js';
import type { Timeline, TimelineEventInput, TimelineKind } from './timeline.js';
import type { Redactor } from './redact.js';
import { NOT_RECORDED_YET } from './not-recorded.js';
import type { Reply } from './reply.js';

/** An outcome as it is recorded and returned: the status, the reply and where it goes. */
export interface FinishedOutcome {
  status: FinalStatus;
  reply: Reply;
  execution?: Execution;
  placement?: Placement;
  sourceUpdate?: Reply;
  /** The incident it acted on, when the invocation's channel did not say. */
  incidentId?: string | null;
  /** The timeline's outcome, when it says more than the status (see Outcome). */
  recordedAs?: 'interrupted';
  /** More for the timeline event's detail (the outcome's own; FinishOptions.detail is the caller's). */
  detail?: { [key: string]: JsonValue };
}

export interface FinishOptions {
  /** The step's planned command, when nothing ran yet (a confirmation card). */
  plannedArgv?: string[];
  detail?: { [key: string]: JsonValue };
  /** A button's own outcome (not confirm/cancel) is a "button" event rather than a "command". */
  button?: boolean;
}

function kindFor(status: FinalStatus, button: boolean): TimelineKind {
  switch (status) {
    case 'denied':
      return 'command.denied';
    case 'invalid':
      return 'command.invalid';
    case 'pending':
      return 'confirmation.requested';
    case 'cancelled':
      return 'confirmation.cancelled';
    default:
      return button ? 'button' : 'command';
  }
}

/**
 * Ends every invocation the same way: one timeline event for its outcome, written before the person
 * is told, and a redacted result. Also keeps when each invocation began, for the event's duration.
 */
export class InvocationRecorder {
  private readonly startedAt = new Map<string, number>();

  constructor(
    private readonly timeline: Timeline,
    private readonly redactor: Redactor,
  ) {}

  begin(invocationId: string): void {
    this.startedAt.set(invocationId, performance.now());
  }

  end(invocationId: string): void {
    this.startedAt.delete(invocationId);
  }

  /** The event that records this outcome, for callers that write it in their own transaction. */
  event(invocationId: string, inv: Invocation, command: string | null, text: string, outcome: FinishedOutcome, opts: FinishOptions = {}): TimelineEventInput {
    const ex = outcome.execution;
    const argv = ex?.argv ?? opts.plannedArgv;
    return {
      invocationId,
      incidentId: outcome.incidentId ?? inv.incidentId ?? null,
      service: inv.service ?? null,
      kind: kindFor(outcome.status, opts.button ?? false),
      actor: inv.actor,
      channel: inv.channel,
      command,
      text,
      argv: argv ?? null,
      exitCode: ex?.exitCode ?? null,
      outcome: outcome.recordedAs ?? outcome.status,
      output: ex?.output ? ex.output : outcome.status === 'ok' ? null : (outcome.reply.text ?? outcome.reply.title),
      durationMs: ex?.durationMs ?? this.elapsedMs(invocationId),
      detail: { ...(outcome.detail ?? {}), ...(opts.detail ?? {}), title: outcome.reply.title },
    };
  }

  /** Records the outcome (durably, before the user is told) and shapes the result. */
  async finish(invocationId: string, inv: Invocation, command: string | null, text: string, outcome: FinishedOutcome, opts: FinishOptions = {}): Promise<DispatchResult> {
    const event = this.event(invocationId, inv, command, text, outcome, opts);
    // Something outside ran (a tool, a request): its outcome is told truthfully even if the store is away.
    if (outcome.execution) {
      if ((await this.timeline.recordOrKeep(event)) === 'kept') {
        const context = [outcome.reply.context, NOT_RECORDED_YET].filter(Boolean).join(' · ');
        return this.result(invocationId, { ...outcome, reply: { ...outcome.reply, context } });
      }
      return this.result(invocationId, outcome);
    }
    await this.timeline.record(event);
    return this.result(invocationId, outcome);
  }

  /** The redacted result the platforms deliver. */
  result(invocationId: string, outcome: FinishedOutcome): DispatchResult {
    const r = this.redactor;
    return {
      invocationId,
      status: outcome.status,
      reply: r.redactValue(outcome.reply),
      placement: r.redactValue(placementOf(outcome.reply, outcome.placement)),
      ...(outcome.sourceUpdate ? { sourceUpdate: r.redactValue(outcome.sourceUpdate) } : {}),
    };
  }

  private elapsedMs(invocationId: string): number | null {
    const t = this.startedAt.get(invocationId);
    return t === undefined ? null : Math.round(performance.now() - t);
  }
}
