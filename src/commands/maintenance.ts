import { z } from 'zod';
import { appSubcommand, defineAppCommand, type AppCommandContext } from '../app/command.js';
import { roleDenied } from '../core/authorize.js';
import type { Outcome } from '../core/outcome.js';
import { parseCommandText } from '../core/parser.js';
import { subcommandTable } from '../core/subcommands.js';
import { cut } from '../core/text-format.js';
import { parseDurationMin } from '../config/maintenance-schema.js';
import { isOn, windowEnd, windowLine, windowsBetween } from '../alerts/maintenance.js';

/** Starting and ending windows holds pages back: the responders' call, as acknowledging is. */
const ROLE = 'responders';
const MAX_REASON = 300;
const LIST_AHEAD_MS = 14 * 86_400_000;

function invalid(title: string, text: string): Outcome {
  return { status: 'invalid', reply: { title, status: 'error', text, ephemeral: true } };
}

/** The rest of the line, as one string (chat words joined, or Discord's option): split again, quotes grouping. */
function words(v: string[] | string | undefined): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  try {
    return parseCommandText(`/x ${v}`).positionals.slice(0);
  } catch {
    return v.split(/\s+/).filter((w) => w);
  }
}

const known = (ctx: AppCommandContext) => [...Object.keys(ctx.config.services), ...Object.keys(ctx.config.datastores)];

async function start(ctx: AppCommandContext, given: string[] | string | undefined): Promise<Outcome> {
  const w = words(given);
  const at = w.findIndex((x) => parseDurationMin(x) !== null);
  const usage = 'Usage: /maintenance start SERVICE… DURATION "reason", e.g. /maintenance start api 2h "Postgres upgrade".';
  if (at < 0) return invalid('How long?', `Give the window a duration such as 2h, 90m or 1h30m (1 min to 7 d) after the services. ${usage}`);
  const services = [...new Set(w.slice(0, at).map((s) => s.toLowerCase()))];
  if (services.length === 0) return invalid('Which services?', `Name at least one service before the duration. ${usage}`);
  const unknown = services.filter((s) => !known(ctx).includes(s));
  if (unknown.length > 0) return invalid('Unknown service', `"${cut(unknown[0]!, 40)}" is not a service or datastore of this Firebreak (known: ${known(ctx).join(', ') || 'none'}).`);
  const reason = w.slice(at + 1).join(' ').trim();
  if (!reason) return invalid('Why?', `Say why in quotes after the duration; it is shown on every held card. ${usage}`);
  if (reason.length > MAX_REASON) return invalid('Reason too long', `The reason is ${reason.length} characters; keep it under ${MAX_REASON}.`);
  if (!ctx.hasRole(ROLE)) return roleDenied('/maintenance start', ROLE, ctx.actor);
  const now = new Date();
  const window = await ctx.ports.maintenance!.create({
    configName: null,
    services,
    reason,
    startsAt: now,
    endsAt: new Date(now.getTime() + parseDurationMin(w[at]!)! * 60_000),
    createdBy: ctx.actor.name,
    noticeH: 0,
  });
  // The start's one event, with who started it: the announcer then only posts it in the alerts channel.
  if (await ctx.ports.maintenance!.claimRecord(window.id!, 'start')) {
    await ctx.record('maintenance.started', { detail: { window: window.id!, services, reason, startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString() } });
  }
  return {
    status: 'ok',
    reply: {
      title: `🔧 Maintenance #${window.id} started: ${services.join(', ')} until ${window.endsAt.toISOString().slice(11, 16)} UTC`,
      status: 'ok',
      text: `${windowLine(window)}\nTheir alerts still get cards, marked "during maintenance", but do not escalate, page or declare incidents until it ends. /maintenance end ${window.id} ends it early.`,
    },
  };
}

async function end(ctx: AppCommandContext, id: string | undefined): Promise<Outcome> {
  const now = new Date();
  let target = id?.replace(/^#/, '');
  if (target !== undefined && !/^\d{1,18}$/.test(target)) return invalid('Not a window id', `"${cut(target, 20)}" is not a maintenance window id: they are numbers, as /maintenance list shows.`);
  if (target === undefined) {
    const on = (await windowsBetween(ctx.config, ctx.ports.maintenance, now, now)).filter((w) => isOn(w, now));
    if (on.length === 0) return invalid('No maintenance on', 'No maintenance window is on now; /maintenance list shows the coming ones.');
    if (on.length > 1) return invalid('Which window?', `${on.length} maintenance windows are on (${on.map((w) => (w.id ? `#${w.id}` : w.configName)).join(', ')}): name one, e.g. /maintenance end ${on[0]!.id ?? ''}.`.replace(/ \.$/, '.'));
    // A configured occurrence not stored yet is stored now, so it can be ended like any other.
    target = on[0]!.id ?? (await ctx.ports.maintenance!.create(on[0]!)).id!;
  }
  const existing = await ctx.ports.maintenance!.get(target);
  if (!existing) return invalid('No such window', `There is no maintenance window #${target}; /maintenance list shows them.`);
  if (windowEnd(existing) <= now) return invalid('Already over', `Maintenance window #${target} is already over (${windowLine(existing)}).`);
  if (!ctx.hasRole(ROLE)) return roleDenied('/maintenance end', ROLE, ctx.actor);
  const ended = await ctx.ports.maintenance!.end(target, now, ctx.actor.name);
  if (!ended) return invalid('Already over', `Maintenance window #${target} ended just now.`);
  // The end's one event, with who ended it (the announcer posts it and reacts to what still fires).
  if (await ctx.ports.maintenance!.claimRecord(target, 'end')) await ctx.record('maintenance.ended', { detail: { window: target, services: ended.services } });
  const started = ended.startsAt <= now;
  return {
    status: 'ok',
    reply: {
      title: started ? `🔧 Maintenance #${target} ended: ${ended.services.join(', ')}` : `🔧 Maintenance #${target} cancelled: ${ended.services.join(', ')}`,
      status: 'ok',
      text: started ? `Alerts of ${ended.services.join(', ')} escalate, page and declare incidents again; anything still firing escalates from now.` : 'It will not start.',
    },
  };
}

async function list(ctx: AppCommandContext): Promise<Outcome> {
  const now = new Date();
  const windows = (await windowsBetween(ctx.config, ctx.ports.maintenance, now, new Date(now.getTime() + LIST_AHEAD_MS))).filter((w) => windowEnd(w) > now).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  if (windows.length === 0) return { status: 'ok', reply: { title: 'No maintenance windows in the next 14 days', status: 'info', text: 'Start one with /maintenance start SERVICE… DURATION "reason", or schedule them under maintenance: in the config.' } };
  return {
    status: 'ok',
    reply: {
      title: `Maintenance windows: ${windows.filter((w) => isOn(w, now)).length} on now, ${windows.filter((w) => !isOn(w, now)).length} coming in the next 14 days`,
      status: 'info',
      text: windows.map((w) => `${isOn(w, now) ? '🔧 on now' : 'coming'} · ${windowLine(w)}`).join('\n'),
    },
  };
}

const subcommands = subcommandTable([
  appSubcommand({
    name: 'start',
    summary: 'Start a maintenance window now: SERVICE… DURATION "reason"',
    params: [{ name: 'window', description: 'The services, how long and why, e.g. api gateway 2h "Postgres upgrade"', type: 'string', rest: 'text', required: true }],
    args: { window: z.union([z.array(z.string().max(300)), z.string().max(1000)]).optional() },
    run: (ctx, args) => start(ctx, args.window),
  }),
  appSubcommand({
    name: 'end',
    summary: 'End a maintenance window now (default: the one that is on)',
    params: [{ name: 'id', description: 'The window, e.g. 3 (from /maintenance list)', type: 'string' }],
    args: { id: z.string().max(40).optional() },
    run: (ctx, args) => end(ctx, args.id),
  }),
  appSubcommand({ name: 'list', summary: 'The windows on now and in the next 14 days', params: [], args: {}, run: (ctx) => list(ctx) }),
]);

export const maintenanceCommand = defineAppCommand({
  name: 'maintenance',
  summary: 'Maintenance windows: their services’ alerts get cards but no escalation, page or incident',
  usage: '/maintenance start SERVICE… DURATION "reason" | end [ID] | list',
  subcommands: subcommands.subcommands,
  params: [],
  args: subcommands.args,
  // Holds pages back: mutating, so a retried delivery is deduplicated; no confirmation card, like /incident.
  mutating: true,
  confirms: false,
  serviceOf: () => null,
  run: subcommands.run,
});
