/**
 * What `/alerts [SERVICE]` shows: the firing groups, most urgent first, with Acknowledge buttons
 * for the first few that nobody has acknowledged. Pure, like the card.
 */
import { drillMarked } from './drill-alert.js';
import type { Reply, ReplyButton, ReplyRow } from '../core/reply.js';
import { cut, duration } from '../core/text-format.js';
import { compareGroups, groupStatus, serviceCell, utcTime } from './alert-format.js';
import type { AlertGroup } from './model.js';
import { MAX_ACTION_ID } from './runbook-buttons.js';

/** Groups read for the list: all of them in any storm worth counting (the first line counts them). */
export const LIST_LIMIT = 10_000;
/** Groups listed one per row; the rest are counted. */
export const LIST_ROWS = 25;
/** Acknowledge buttons: with Refresh, two Discord rows. */
export const LIST_ACK_BUTTONS = 8;

/** `ack:42 list api`: an Acknowledge pressed on the list, which then shows the list again (filtered as it was). */
export function listAckActionId(groupId: string, service: string | undefined): string {
  const withService = service ? `ack:${groupId} list ${service}` : `ack:${groupId} list`;
  return withService.length <= MAX_ACTION_ID ? withService : `ack:${groupId} list`;
}

export function alertsCommandText(service: string | undefined): string {
  return service ? `/alerts ${service}` : '/alerts';
}

function row(g: AlertGroup, now: Date): ReplyRow {
  return {
    status: groupStatus(g),
    cells: [
      cut(drillMarked(g, g.alertname || 'alert'), 60),
      serviceCell(g, 40),
      g.severity ? cut(g.severity, 20) : 'no severity',
      `${g.firingCount} firing`,
      `since ${utcTime(g.firstFiredAt, now)} (${duration(now.getTime() - g.firstFiredAt.getTime(), 'age')})`,
      g.acknowledged ? `acknowledged by ${cut(g.acknowledged.by.name, 40)}` : 'not acknowledged',
    ],
  };
}

/** `firing` as the store gives it (any order); `service` is the filter that was typed, if any. */
export function renderAlertsList(firing: readonly AlertGroup[], service: string | undefined, now: Date): Reply {
  const groups = [...firing].sort(compareGroups);
  const alerts = groups.reduce((n, g) => n + g.firingCount, 0);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const scope = service ? ` for ${cut(service, 40)}` : '';
  const refresh: ReplyButton = { actionId: `run:${alertsCommandText(service)}`.slice(0, MAX_ACTION_ID), label: 'Refresh' };
  if (groups.length === 0) {
    return { title: `0 groups firing, 0 alerts${scope}`, status: 'ok', text: `Nothing is firing${scope}.`, buttons: [refresh] };
  }
  const shown = groups.slice(0, LIST_ROWS);
  const acks: ReplyButton[] = groups
    .filter((g) => !g.acknowledged)
    .slice(0, LIST_ACK_BUTTONS)
    .map((g) => ({ actionId: listAckActionId(g.id, service), label: `Ack ${cut(g.alertname || 'alert', 30)}${g.service ? ` · ${cut(g.service, 20)}` : ''}`, style: 'primary' }));
  const more = groups.length - shown.length;
  const unacked = groups.filter((g) => !g.acknowledged).length;
  const notes = [
    more > 0 ? `and ${plural(more, 'more group')}${service ? '' : '; /alerts SERVICE narrows the list'}` : '',
    unacked > acks.length ? `Acknowledge the others on their own cards (${unacked - acks.length} more unacknowledged)` : '',
  ].filter(Boolean);
  return {
    title: `${plural(groups.length, 'group')} firing, ${plural(alerts, 'alert')}${scope}`,
    status: groupStatus(groups[0]!),
    rows: shown.map((g) => row(g, now)),
    ...(notes.length > 0 ? { context: notes.join(' · ') } : {}),
    buttons: [...acks, refresh],
  };
}
