import { cut } from '../core/text-format.js';
import type { TimelineEvent } from '../core/timeline.js';

const MAX_LINE = 160;

/** What an event says in one line, e.g. "command /rollback api", "incident.status INC-3 investigating → identified". */
function what(e: TimelineEvent): string {
  const body = e.text ?? e.command ?? '';
  switch (e.kind) {
    case 'command':
    case 'command.invalid':
    case 'command.denied':
    case 'button':
      return `${body}${e.outcome && e.outcome !== 'ok' ? ` (${e.outcome})` : ''}`;
    case 'action.finished':
      return `finished ${body}${e.exitCode !== null ? `, exit ${e.exitCode}` : ''}${e.outcome ? ` (${e.outcome})` : ''}`;
    default:
      return body;
  }
}

/**
 * `14:02:07 alice · incident.status · INC-3 investigating → identified` (UTC), for /incident timeline.
 * With `date` (for /timeline, across days and incidents): the date first and the incident last.
 */
export function timelineLine(e: TimelineEvent, opts: { date?: boolean } = {}): string {
  const at = opts.date ? e.at.toISOString().slice(0, 19).replace('T', ' ') : e.at.toISOString().slice(11, 19);
  const where = opts.date && e.incidentId && !what(e).includes(e.incidentId) ? ` · ${e.incidentId}` : '';
  const line = `${at} ${e.actor.name} · ${e.kind} · ${what(e)}${where}`.replace(/\s+/g, ' ').trim();
  return cut(line, MAX_LINE);
}
