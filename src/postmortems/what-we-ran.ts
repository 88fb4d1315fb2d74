import type { TimelineEvent, TimelineKind } from '../core/timeline.js';
import { detailString } from './event-detail.js';

/** Timeline kinds that belong to a typed command or a click, from the first attempt to the result. */
const RUN_KINDS: ReadonlySet<string> = new Set<TimelineKind>([
  'command',
  'command.invalid',
  'command.denied',
  'command.refused',
  'button',
  'confirmation.requested',
  'confirmation.confirmed',
  'confirmation.cancelled',
  'action.started',
  'action.progress',
  'action.finished',
  'backup.restore.started',
]);

/**
 * A successful `/incident …` command or incident-card click: its own event (the status change, the
 * note, the role) is on the timeline already, and it is not something that was run on a system.
 * A denied or failed one is still listed.
 */
export function isIncidentBookkeeping(e: TimelineEvent): boolean {
  return (e.kind === 'command' || e.kind === 'button') && e.command === 'incident' && e.outcome === 'ok';
}

/** Rows that carry what the person typed or clicked (an action's own rows carry the step's title). */
const REQUEST_KINDS = new Set(['command', 'command.invalid', 'command.denied', 'command.refused', 'button', 'confirmation.requested']);

/** Outcomes where nothing ran: what the person was told is a reply, not tool output. */
const NOT_RUN = new Set(['denied', 'invalid', 'refused', 'cancelled', 'pending']);

/** Progress lines kept per run: the end of a rollout says how it went. */
const PROGRESS_LINES = 10;

/** One command or button, from request to result, as the draft shows it. */
export interface Run {
  /** 1-based, in the order they were first asked for. */
  n: number;
  at: Date;
  /** What was typed or clicked ("/rollback api"), as recorded. */
  text: string;
  requestedBy: string;
  confirmed: { by: string; at: Date } | null;
  cancelled: { by: string; at: Date } | null;
  /** The exact argv (an HTTP action's is [METHOD, URL]); masked when it was recorded. */
  argv: string[] | null;
  exitCode: number | null;
  durationMs: number | null;
  /** ok, failed, denied, invalid, refused, cancelled, or pending (asked, never confirmed). */
  outcome: string;
  /** What the tool printed (the end of it), when it ran. */
  output: string | null;
  /** The confirmation card's question ("Roll back api from revision 14 to 13?"), for a confirmed step. */
  step: string | null;
  /** The result's title as the person saw it ("Rolled back api to revision 13"). */
  resultTitle: string | null;
  /** What the person was told instead, when nothing ran (a denial, a usage error). */
  reply: string | null;
  /** The last progress lines, when the run reported progress. */
  progress: string[];
  progressTotal: number;
}

interface Building extends Run {
  ran: boolean;
  typed: boolean;
}

/**
 * Every command and button of the timeline, in order, one entry per invocation: its confirmation,
 * start, progress and finish share the invocation id. A Cancel click is its own invocation; it
 * joins the run it cancelled through the confirmation id both record.
 */
export function collectRuns(events: readonly TimelineEvent[]): { runs: Run[]; runOf: Map<string, number> } {
  const runs = new Map<string, Building>();
  /** Invocation id → the number of the run it belongs to. */
  const runOf = new Map<string, number>();
  const byConfirmation = new Map<string, string>();
  for (const e of events) {
    if (!RUN_KINDS.has(e.kind) || isIncidentBookkeeping(e)) continue;
    const confirmation = detailString(e, 'confirmation');
    let key = e.invocationId;
    if (e.kind === 'confirmation.cancelled' && confirmation && byConfirmation.has(confirmation)) key = byConfirmation.get(confirmation)!;
    let run = runs.get(key);
    if (!run) {
      run = {
        n: runs.size + 1,
        at: e.at,
        text: e.text ?? (e.command ? `/${e.command}` : e.kind),
        requestedBy: e.actor.name,
        confirmed: null,
        cancelled: null,
        argv: null,
        exitCode: null,
        durationMs: null,
        outcome: e.outcome ?? 'pending',
        output: null,
        step: null,
        resultTitle: null,
        reply: null,
        progress: [],
        progressTotal: 0,
        ran: false,
        typed: REQUEST_KINDS.has(e.kind) && e.text !== null,
      };
      runs.set(key, run);
    }
    runOf.set(e.invocationId, run.n);
    // An action run without confirmation records its start before the typed command's outcome.
    if (!run.typed && REQUEST_KINDS.has(e.kind) && e.text !== null) {
      run.text = e.text;
      run.typed = true;
    }
    switch (e.kind) {
      case 'confirmation.requested':
        if (confirmation) byConfirmation.set(confirmation, key);
        run.argv ??= e.argv;
        run.step = detailString(e, 'plan') ?? run.step;
        run.outcome = 'pending';
        break;
      case 'confirmation.confirmed':
        run.confirmed = { by: e.actor.name, at: e.at };
        run.step ??= e.text;
        run.argv = e.argv ?? run.argv;
        break;
      case 'confirmation.cancelled':
        run.cancelled = { by: e.actor.name, at: e.at };
        run.outcome = 'cancelled';
        break;
      case 'action.started':
      case 'backup.restore.started':
        run.ran = true;
        run.argv = e.argv ?? run.argv;
        break;
      case 'action.progress':
        run.progressTotal++;
        if (e.output) {
          run.progress.push(e.output);
          if (run.progress.length > PROGRESS_LINES) run.progress.shift();
        }
        break;
      default:
        // The result: action.finished for a confirmed step, the command/button event otherwise.
        if (e.kind === 'action.finished') run.ran = true;
        run.outcome = e.outcome ?? run.outcome;
        run.argv = e.argv ?? run.argv;
        run.exitCode = e.exitCode ?? run.exitCode;
        run.durationMs = e.durationMs ?? run.durationMs;
        run.resultTitle = detailString(e, 'title') ?? run.resultTitle;
        if (e.output) {
          const nothingRan = NOT_RUN.has(run.outcome) || (!run.ran && e.exitCode === null && e.argv === null);
          if (nothingRan) run.reply = e.output;
          else run.output = e.output;
        }
    }
  }
  return { runs: [...runs.values()].map(({ ran: _ran, typed: _typed, ...run }) => run), runOf };
}
