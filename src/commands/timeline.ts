import { z } from 'zod';
import { defineAppCommand } from '../app/command.js';
import type { Outcome } from '../core/outcome.js';
import type { ReplyButton } from '../core/reply.js';
import { cut } from '../core/text-format.js';
import { parseSince, TIMELINE_PAGE_SIZE, type TimelinePageQuery } from '../core/timeline-query.js';
import { timelineLine } from '../incidents/timeline-lines.js';
import { invalid, wordArg } from './deploy-common.js';

/** Button ids are short on every platform (Slack 255, Discord 100; MAX_ACTION_ID leaves room). */
const MAX_BUTTON_TEXT = 90;
const MAX_PAGE = 10_000;

/** The command text that shows `page` of the same list (the More button's). */
function pageText(q: { service?: string; since?: string; user?: string }, page: number): string {
  return ['/timeline', q.service, q.since ? `--since ${q.since}` : '', q.user ? `--user ${q.user}` : '', `--page ${page}`].filter(Boolean).join(' ');
}

export const timelineCommand = defineAppCommand({
  name: 'timeline',
  summary: 'Recorded events across incidents, newest first: commands, clicks, confirmations, alerts, backups',
  usage: '/timeline [SERVICE] [--since 6h] [--user alice] [--page N]',
  params: [
    { name: 'service', description: 'Only what was done to this service and its alerts', type: 'string' },
    { name: 'since', description: 'How far back: 90m, 6h, 2d (at most 90d)', type: 'string' },
    { name: 'user', description: 'Only what this person did (their name or id)', type: 'string' },
    { name: 'page', description: 'Which page of 20 (default 1, the newest)', type: 'integer', min: 1 },
  ],
  args: z.object({
    service: z.string().min(1).max(63).regex(/^\S+$/, 'must be one word, a service such as api').optional(),
    since: z.union([z.string(), z.literal(true)]).optional(),
    user: z.union([z.string(), z.literal(true)]).optional(),
    page: wordArg,
  }),
  mutating: false,
  serviceOf: () => null,
  async run(ctx, args): Promise<Outcome> {
    if (args.since === true) return invalid('/timeline: --since needs a duration', 'Write how far back after --since: 90m, 6h or 2d.');
    if (args.user === true) return invalid('/timeline: --user needs a name', 'Write whose events after --user, e.g. --user alice.');
    const query: TimelinePageQuery = { page: 1, pageSize: TIMELINE_PAGE_SIZE };
    if (args.since !== undefined) {
      const s = parseSince(args.since);
      if (s === null) return invalid('/timeline: invalid --since', `"${cut(args.since, 20)}" is not a duration /timeline reads: write a whole number with m, h or d (90m, 6h, 2d), at most 90d.`);
      query.since = new Date(Date.now() - s * 1000);
    }
    if (args.page !== undefined) {
      const page = /^\d{1,6}$/.test(args.page) ? Number(args.page) : 0;
      if (page < 1 || page > MAX_PAGE) return invalid('/timeline: invalid --page', `The page must be a whole number from 1, not "${cut(args.page, 20)}".`);
      query.page = page;
    }
    if (args.service !== undefined) query.service = args.service;
    if (args.user !== undefined) query.user = args.user.replace(/^@/, '');

    const { events, more } = await ctx.ports.timeline.page(query);
    const scope = [args.service ? `for ${cut(args.service, 40)}` : '', query.user ? `by ${cut(query.user, 40)}` : '', args.since ? `in the last ${args.since.trim()}` : ''].filter(Boolean).join(' ');
    const first = (query.page - 1) * query.pageSize + 1;
    const asked = { ...(args.service ? { service: args.service } : {}), ...(args.since ? { since: args.since.trim() } : {}), ...(query.user ? { user: query.user } : {}) };
    const buttons: ReplyButton[] = [];
    const next = pageText(asked, query.page + 1);
    if (more && next.length <= MAX_BUTTON_TEXT) buttons.push({ actionId: `run:${next}`, label: 'More' });
    if (events.length === 0) {
      return {
        status: 'ok',
        reply: {
          title: `Timeline${scope ? ` ${scope}` : ''}: ${query.page > 1 ? `no page ${query.page}` : 'nothing recorded'}`,
          status: 'info',
          text: query.page > 1 ? `There are fewer than ${first} events${scope ? ` ${scope}` : ''}.` : `No events were recorded${scope ? ` ${scope}` : ''}.`,
        },
      };
    }
    return {
      status: 'ok',
      reply: {
        title: `Timeline${scope ? ` ${scope}` : ''}: events ${first}–${first + events.length - 1}, newest first`,
        status: 'info',
        text: events.map((e) => timelineLine(e, { date: true })).join('\n'),
        context: [
          'Times in UTC; progress lines are left out (the incident timeline keeps them)',
          more ? `more: ${next}` : 'no older events',
        ].join(' · '),
        ...(buttons.length > 0 ? { buttons } : {}),
      },
    };
  },
});
