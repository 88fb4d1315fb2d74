/**
 * The storm digest: when a channel has more alert cards waiting than its budget can send soon, one
 * message (a few pages if need be) shows every waiting group's latest state, by severity, newest
 * first, so no group is invisible while its own card waits its turn. Pure, like the card.
 */
import type { Reply, ReplyRow, ReplyStatus } from '../core/reply.js';
import { compareGroups, countsText, cut, duration, groupStatus, utcTime } from './alert-format.js';
import type { AlertGroup } from './model.js';

/** Pages per storm: past that the last page counts the rest and /alerts lists them. */
export const MAX_DIGEST_PAGES = 10;

/**
 * Rows per page, within each platform's message limits: a Discord embed description holds 4,000
 * characters (20 rows of at most ~175, with page 1's totals), a Slack message 50 blocks of 3,000.
 */
const ROWS_PER_PAGE: Record<string, number> = { discord: 20 };
const DEFAULT_ROWS_PER_PAGE = 80;

export function digestRowsPerPage(platform: string): number {
  return ROWS_PER_PAGE[platform] ?? DEFAULT_ROWS_PER_PAGE;
}

/** The message key of one page of one storm's digest in a channel. */
export function digestKey(channel: string, storm: number, page: number): string {
  return `alert-digest:${channel}:${storm}:${page}`;
}

export interface DigestPlan {
  /** The waiting groups, in the order the digest lists them. */
  groups: AlertGroup[];
  pages: number;
  rowsPerPage: number;
  /** Waiting groups that no page has room for. */
  unlisted: number;
}

export function planDigest(waiting: readonly AlertGroup[], platform: string): DigestPlan {
  const groups = [...waiting].sort(compareGroups);
  const rowsPerPage = digestRowsPerPage(platform);
  const pages = Math.max(1, Math.min(MAX_DIGEST_PAGES, Math.ceil(groups.length / rowsPerPage)));
  return { groups, pages, rowsPerPage, unlisted: Math.max(0, groups.length - pages * rowsPerPage) };
}

function row(g: AlertGroup, now: Date): ReplyRow {
  return {
    status: groupStatus(g),
    cells: [
      cut(g.alertname || 'alert', 40),
      g.service ? cut(g.service, 24) : '—',
      g.severity ? cut(g.severity, 12) : '—',
      g.status === 'resolved' ? `resolved (${g.resolvedCount})` : countsText(g),
      `since ${utcTime(g.firstFiredAt, now)}`,
      ...(g.acknowledged ? [`ack ${cut(g.acknowledged.by.name, 20)}`] : []),
    ],
  };
}

function worst(groups: readonly AlertGroup[]): ReplyStatus {
  const order: ReplyStatus[] = ['error', 'warning', 'info', 'ok'];
  return order.find((s) => groups.some((g) => groupStatus(g) === s)) ?? 'ok';
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/**
 * Page `page` (1-based) of the digest. Page 1 has the totals and the /alerts button; a page past
 * the plan (posted when the storm was bigger) says there is nothing more on it.
 */
export function renderDigestPage(plan: DigestPlan, page: number, channel: string, cardsPerMinute: number, now: Date): Reply {
  const where = `#${cut(channel.replace(/^#/, ''), 60)}`;
  const pageNote = plan.pages > 1 ? ` (page ${page} of ${plan.pages})` : '';
  if (page > plan.pages) {
    return { title: `Alert storm in ${where} (page ${page})`, status: 'info', text: 'Nothing more on this page: the pages above list every group still waiting for its own card.' };
  }
  const slice = plan.groups.slice((page - 1) * plan.rowsPerPage, page * plan.rowsPerPage);
  const reply: Reply = {
    title: page === 1 ? `Alert storm in ${where}: ${plural(plan.groups.length, 'group')} waiting for their own card${pageNote}` : `Alert storm in ${where}${pageNote}`,
    status: worst(slice.length > 0 ? slice : plan.groups),
    rows: slice.map((g) => row(g, now)),
  };
  if (page === 1) {
    const firing = plan.groups.filter((g) => g.status === 'firing');
    const alerts = firing.reduce((n, g) => n + g.firingCount, 0);
    const resolved = plan.groups.length - firing.length;
    reply.text = `${plural(firing.length, 'group')} firing (${plural(alerts, 'alert')})${resolved > 0 ? `, ${plural(resolved, 'group')} resolved` : ''}. Alert cards are posted or updated at most ${cardsPerMinute} a minute here; until a group's own card is up to date, its latest state is on this digest.`;
    reply.buttons = [{ actionId: 'run:/alerts', label: 'List firing' }];
  }
  if (page === plan.pages && plan.unlisted > 0) reply.context = `and ${plural(plan.unlisted, 'more group')}: /alerts lists every firing group`;
  return reply;
}

/** What the digest's pages say once every group's own card is up to date. */
export function renderDigestOver(page: number, channel: string, openedAt: Date | null, now: Date): Reply {
  const where = `#${cut(channel.replace(/^#/, ''), 60)}`;
  if (page > 1) return { title: `Alert storm in ${where} is over (page ${page})`, status: 'ok', text: 'Every group is on its own card now.' };
  const lasted = openedAt ? ` It lasted ${duration(now.getTime() - openedAt.getTime())} (from ${utcTime(openedAt, now)}).` : '';
  return { title: `Alert storm in ${where} is over`, status: 'ok', text: `Every group is on its own card now.${lasted}`, buttons: [{ actionId: 'run:/alerts', label: 'List firing' }] };
}
