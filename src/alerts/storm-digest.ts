/**
 * The storm digest: when a channel has more alert cards waiting than its budget can send soon, one
 * message (a few pages if need be) shows every waiting group's latest state, by severity, newest
 * first, so no group is invisible while its own card waits its turn. Pure, like the card.
 */
import { drillMarked } from './drill-alert.js';
import type { Reply, ReplyRow, ReplyStatus } from '../core/reply.js';
import { cut, duration } from '../core/text-format.js';
import { compareGroups, countsText, groupStatus, serviceCell, utcTime } from './alert-format.js';
import type { AlertGroup } from './model.js';

/** Pages per storm: past that the last page counts the rest and /alerts lists them. */
export const MAX_DIGEST_PAGES = 10;

/** Rows per page elsewhere, within a Slack message's 50 blocks of 3,000 characters. */
const SLACK_ROWS_PER_PAGE = 80;

/**
 * On Discord a page is one embed: 6,000 characters in all, the description (4,096) first and then
 * fields of 1,024 (renderDiscord flows rows that do not fit the description into fields). So a
 * page takes rows up to this many characters, as renderDiscord shows them ("❌ **name** · …" on one
 * line), leaving the rest of the 6,000 for the title, page 1's totals, the footer and each field's
 * unused tail. Rows are compact there (shorter cuts, no "UTC"), so even with every cell at its
 * longest 350 groups fit on the ten pages; with names of a usual length 60–70 fit on a page.
 */
const DISCORD_PAGE_CHARS = 5_400;
/** Page 1's title and totals text; the other pages' titles are shorter. */
const DISCORD_PAGE1_EXTRA = 400;

/** What renderDiscord makes of a row: status emoji (≤ 2), a space, the bold marks, separators, newline. */
function discordRowChars(r: ReplyRow): number {
  const text = r.cells.join(' · ');
  // Its masked-link guard adds an invisible space for each "](".
  return text.length + 8 + (text.split('](').length - 1);
}

/** The message key of one page of one storm's digest in a channel. */
export function digestKey(channel: string, storm: number, page: number): string {
  return `alert-digest:${channel}:${storm}:${page}`;
}

export interface DigestPlan {
  /** The waiting groups, in the order the digest lists them. */
  groups: AlertGroup[];
  pages: number;
  /** Page i+1's rows, in order; together the first `listed` groups. */
  pageRows: ReplyRow[][];
  /** How many groups (from the start of `groups`) some page lists. */
  listed: number;
  /** Waiting groups that no page has room for. */
  unlisted: number;
}

export function planDigest(waiting: readonly AlertGroup[], platform: string, now: Date): DigestPlan {
  const groups = [...waiting].sort(compareGroups);
  const discord = platform === 'discord';
  const rows = groups.map((g) => row(g, now, discord));
  const pageRows: ReplyRow[][] = [];
  let next = 0;
  while (pageRows.length < MAX_DIGEST_PAGES && (next < rows.length || pageRows.length === 0)) {
    const page: ReplyRow[] = [];
    if (discord) {
      let room = DISCORD_PAGE_CHARS - (pageRows.length === 0 ? DISCORD_PAGE1_EXTRA : 0);
      while (next < rows.length && discordRowChars(rows[next]!) <= room) {
        room -= discordRowChars(rows[next]!);
        page.push(rows[next++]!);
      }
    } else {
      while (next < rows.length && page.length < SLACK_ROWS_PER_PAGE) page.push(rows[next++]!);
    }
    pageRows.push(page);
  }
  return { groups, pages: pageRows.length, pageRows, listed: next, unlisted: groups.length - next };
}

/**
 * One group on one line. Discord's is compact (its pages hold characters, not blocks): shorter
 * cuts, and the start time without the year and "UTC" (the group's own card has them in full).
 */
function row(g: AlertGroup, now: Date, compact: boolean): ReplyRow {
  const [name, service, severity, ackBy] = compact ? [32, 20, 10, 16] : [40, 24, 12, 20];
  const since = utcTime(g.firstFiredAt, now);
  return {
    status: groupStatus(g),
    cells: [
      cut(drillMarked(g, g.alertname || 'alert'), name),
      serviceCell(g, service),
      g.severity ? cut(g.severity, severity) : '—',
      g.status === 'resolved' ? `resolved (${g.resolvedCount})` : countsText(g),
      `since ${compact ? since.replace(/ UTC$/, '').replace(/^\d{4}-/, '') : since}`,
      ...(g.acknowledged ? [`ack ${cut(g.acknowledged.by.name, ackBy)}`] : []),
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
  const rows = plan.pageRows[page - 1] ?? [];
  const start = plan.pageRows.slice(0, page - 1).reduce((n, r) => n + r.length, 0);
  const slice = plan.groups.slice(start, start + rows.length);
  const reply: Reply = {
    title: page === 1 ? `Alert storm in ${where}: ${plural(plan.groups.length, 'group')} waiting for their own card${pageNote}` : `Alert storm in ${where}${pageNote}`,
    status: worst(slice.length > 0 ? slice : plan.groups),
    rows,
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
  const lasted = openedAt ? ` It lasted ${duration(now.getTime() - openedAt.getTime(), 'age')} (from ${utcTime(openedAt, now)}).` : '';
  return { title: `Alert storm in ${where} is over`, status: 'ok', text: `Every group is on its own card now.${lasted}`, buttons: [{ actionId: 'run:/alerts', label: 'List firing' }] };
}
