import { z } from 'zod';
import type { Outcome } from '../core/outcome.js';
import type { Reply } from '../core/reply.js';
import { appSubcommand, defineAppCommand, type AppCommandContext } from '../app/command.js';
import type { ParamSpec } from '../core/spec.js';
import { subcommandTable } from '../core/subcommands.js';
import { cut } from '../core/text-format.js';
import { declaredReply, declareIncident, openOwnChannel } from '../incidents/declare.js';
import {
  addActionItem,
  addNote,
  assignRole,
  changeService,
  changeSeverity,
  changeStatus,
  markMessage,
  noSuchIncident,
  normalizeIncidentId,
  postUpdate,
  type Acting,
  type ActResult,
} from '../incidents/incident-actions.js';
import { incidentsChannelName } from '../incidents/incident-messages.js';
import { ROLE_NAMES, type RoleName } from '../incidents/incident-store.js';
import { parsePerson, personName, plainText } from '../incidents/mentions.js';
import { INCIDENT_STATUSES, parseSeverity, type Incident, type IncidentStatus } from '../incidents/model.js';
import { formatUtc, severityLabel } from '../incidents/summary-card.js';
import { timelineLine } from '../incidents/timeline-lines.js';
import { draftEvents } from '../postmortems/draft-source.js';

const MAX_TITLE = 150;
const MAX_TEXT = 1500;
const TIMELINE_DEFAULT = 15;

const incidentParam: ParamSpec = { name: 'incident', description: 'The incident, e.g. INC-42 (default: this channel’s)', type: 'string' };
const textParam = (description: string, required = true, name = 'text'): ParamSpec => ({ name, description, type: 'string', rest: 'text', required });
const severityChoices = () => ['sev1', 'sev2', 'sev3', 'sev4'];

const text = (what: string) => z.string({ message: `${what} is required` }).min(1, `${what} is required`).max(MAX_TEXT, `${what} is at most ${MAX_TEXT} characters`);
const incidentArg = z.string().max(20).optional();

/** A trailing `sev2` / `P2` after the title is its severity (bare digits are not: "rollout 2" is a title). */
function splitTitle(title: string): { title: string; severity: string | undefined } {
  // `p99` and `p95` are percentiles in a title ("checkout latency p99"); P with one digit is a severity attempt.
  const m = /^(.*\S)\s+(sev\d+|p\d)$/i.exec(title.trim());
  return m ? { title: m[1]!, severity: m[2] } : { title: title.trim(), severity: undefined };
}

function invalid(title: string, textLine: string): Outcome {
  return { status: 'invalid', reply: { title, status: 'error', text: textLine, ephemeral: true } };
}

const acting = (ctx: AppCommandContext): Acting => ({ deps: { config: ctx.config, ports: ctx.ports }, actor: ctx.actor, invocationId: ctx.invocationId, channel: ctx.channel });

/** The incident a subcommand acts on: the one named, else the one whose channel this is. */
async function target(ctx: AppCommandContext, given: string | undefined): Promise<Incident | Outcome> {
  if (given !== undefined) {
    const id = normalizeIncidentId(given);
    if (!id) return invalid('Not an incident id', `"${cut(given, 20)}" is not an incident id: they look like INC-42.`);
    const found = await ctx.ports.incidents.get(id);
    return found ?? { status: 'invalid', reply: noSuchIncident(id).reply };
  }
  if (ctx.incidentId) {
    const found = await ctx.ports.incidents.get(ctx.incidentId);
    if (found) return found;
  }
  return invalid(
    'Which incident?',
    `#${ctx.channel.name || ctx.channel.id} is not an incident's channel: run this in the incident's own channel, or name it with --incident=INC-42 (/incident list shows the open ones).`,
  );
}

const isIncident = (x: Incident | Outcome): x is Incident => 'declaredAt' in x;

/** An incident action's result as the command's outcome: public in the channel, private when the reply says so. */
async function acted(result: Promise<ActResult>, incidentId: string): Promise<Outcome> {
  const r = await result;
  if (!r.ok && !r.incident) return { status: 'invalid', reply: r.reply };
  return { status: r.ok ? 'ok' : 'failed', reply: r.reply, incidentId };
}

/** Runs a subcommand on its incident (named, or this channel's); "which incident?" otherwise. */
async function onIncident(ctx: AppCommandContext, given: string | undefined, act: (i: Incident, a: Acting) => Promise<Outcome>): Promise<Outcome> {
  const i = await target(ctx, given);
  return isIncident(i) ? act(i, acting(ctx)) : i;
}

async function giveRole(ctx: AppCommandContext, a: Acting, i: Incident, roleText: string, personText: string): Promise<Outcome> {
  const role = roleText as RoleName;
  if (!ROLE_NAMES.includes(role)) return invalid('Unknown role', `"${cut(role, 20)}" is not a role: use comms, scribe or lead.`);
  const person = parsePerson(personText, ctx.actor);
  if (!person.ok) return invalid('Who?', person.problem);
  return acted(assignRole(a, i.id, role, person.person), i.id);
}

async function redraft(ctx: AppCommandContext, i: Incident): Promise<Outcome> {
  const drafted = await ctx.ports.postmortems?.draft(i.id);
  if (!drafted) return invalid('No post-mortem', 'Post-mortems are not set up in this Firebreak.');
  // The card itself was updated in place in the incident's channel; the asker gets a pointer, not a second copy.
  return {
    status: 'ok',
    placement: { kind: 'private' },
    reply: {
      title: `${i.id}: post-mortem drafted again from the timeline`,
      status: drafted.problems.length > 0 ? 'warning' : 'ok',
      text: [`Full draft: ${drafted.draftUrl}`, ...drafted.problems].join('\n'),
      ephemeral: true,
    },
    incidentId: i.id,
  };
}

async function declare(ctx: AppCommandContext, args: { title: string; severity?: string }): Promise<Outcome> {
  const split = splitTitle(plainText(args.title));
  const sevText = args.severity ?? split.severity;
  const severity = sevText === undefined ? ctx.config.incidents.default_severity : parseSeverity(sevText);
  // A trailing "sev9" is a severity attempt, refused rather than silently kept in the title.
  if (!severity) return invalid('Unknown severity', `${cut(sevText ?? '', 10)} is not a severity (sev1–sev4, P1–P4).`);
  if (split.title.length > MAX_TITLE) return invalid('Title too long', `The title is ${split.title.length} characters; keep it under ${MAX_TITLE} (details go in /incident note).`);
  const d = await declareIncident(
    { config: ctx.config, ports: ctx.ports },
    {
      source: `invocation:${ctx.invocationId}`,
      title: split.title,
      severity,
      declaredBy: ctx.actor,
      lead: ctx.actor,
      platform: ctx.channel.platform,
      invocationId: ctx.invocationId,
      from: ctx.channel,
    },
  );
  const { reply, placement } = declaredReply(d, ctx.actor, ctx.config);
  return { status: 'ok', reply, placement, incidentId: d.incident.id };
}

async function list(ctx: AppCommandContext): Promise<Outcome> {
  const open = await ctx.ports.incidents.listOpen(25);
  if (open.length === 0) return { status: 'ok', reply: { title: 'No open incidents', status: 'ok', text: 'Declare one with /incident declare "title" [sev1–sev4].', ephemeral: true } };
  return {
    status: 'ok',
    reply: {
      title: `Open incidents (${open.length})`,
      status: 'info',
      rows: open.map((i) => ({
        status: i.severity === 'sev1' ? 'error' : i.severity === 'sev2' ? 'warning' : 'info',
        cells: [i.id, severityLabel(i.severity), i.status, cut(i.title, 60), i.channel ? `#${i.channel.name}` : '—', `lead ${personName(i.roles.lead)}`, formatUtc(i.declaredAt)],
      })),
      ephemeral: true,
    },
  };
}

async function timeline(ctx: AppCommandContext, i: Incident, count: number | undefined): Promise<Outcome> {
  // The events the post-mortem is drafted from: the incident's own and its alert groups' (the alert
  // that opened it was received before the incident existed, so its rows carry no incident id).
  const all = await draftEvents(ctx.ports.timeline, i);
  const events = all.slice(-(count ?? TIMELINE_DEFAULT));
  const reply: Reply = {
    title: `${i.id} timeline (last ${events.length} of ${all.length})`,
    status: 'info',
    text: events.length > 0 ? events.map((e) => timelineLine(e)).join('\n') : 'Nothing recorded yet.',
    context: 'The post-mortem is drafted from the whole timeline.',
    ephemeral: true,
  };
  return { status: 'ok', reply, incidentId: i.id };
}

async function retryChannel(ctx: AppCommandContext, i: Incident): Promise<Outcome> {
  if (i.channel?.own) return { status: 'ok', reply: { title: `${i.id} has its channel`, status: 'info', text: `#${i.channel.name}.`, ephemeral: true }, incidentId: i.id };
  const port = ctx.ports.chat.get(ctx.channel.platform);
  if (!port) return { status: 'failed', reply: { title: 'No chat platform', status: 'error', text: `${ctx.channel.platform} is not connected in this Firebreak process.` } };
  const problems: string[] = [];
  const opened = await openOwnChannel({ config: ctx.config, ports: ctx.ports }, port, i, { actor: ctx.actor, invocationId: ctx.invocationId, channel: ctx.channel }, problems);
  if (opened.problem) return { status: 'failed', reply: { title: `${i.id} still runs in #${incidentsChannelName(ctx.config)}`, status: 'error', text: opened.problem, ephemeral: true }, incidentId: i.id };
  const channel = opened.incident.channel!;
  return {
    status: 'ok',
    reply: { title: `${i.id} moved to #${channel.name}`, status: problems.length ? 'warning' : 'ok', text: problems.length ? problems.join(' ') : 'Its card is pinned there; the people are invited.' },
    incidentId: i.id,
  };
}

/** `/incident use INC-7` (console only): the console remembers it and sends it with every command; this checks it and says so. */
async function use(ctx: AppCommandContext, given: string): Promise<Outcome> {
  if (ctx.channel.platform !== 'console') {
    return invalid('Only the console enters an incident', "In chat, work counts for an incident in its own channel, on its alert card, or by its service; see /help incident.");
  }
  if (given.toLowerCase() === 'off') {
    return { status: 'ok', reply: { title: 'Left the incident', status: 'info', text: 'What you run in this console counts for an incident again only by its channel or service.', ephemeral: true } };
  }
  const i = await target(ctx, given);
  if (!isIncident(i)) return i;
  const resolved = i.status === 'resolved' ? ` It is resolved: its post-mortem is drafted again with what you add.` : '';
  return {
    status: 'ok',
    reply: { title: `Working in ${i.id}`, status: 'info', text: `What you run in this console now counts for ${i.id} (its timeline and post-mortem), wherever it runs.${resolved} /incident use off leaves it.`, ephemeral: true },
    incidentId: i.id,
  };
}

const serviceName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'the service is a name like api or checkout-web');

/** Each subcommand once: what people see, how its arguments are checked, what it does. */
const subcommands = subcommandTable([
  appSubcommand({
    name: 'declare',
    summary: 'Declare an incident: its own channel, people invited, a pinned summary',
    params: [textParam('What is wrong, e.g. checkout 5xx (a trailing sev2 or P2 sets the severity)', true, 'title'), { name: 'severity', description: 'sev1–sev4 (default from the config)', type: 'string', choices: severityChoices }],
    args: { title: text('a title'), severity: z.string().max(10).optional() },
    run: declare,
  }),
  appSubcommand({
    name: 'status',
    summary: 'Set the status: investigating, identified, monitoring, resolved',
    params: [{ name: 'status', description: 'The new status', type: 'string', required: true, choices: () => [...INCIDENT_STATUSES] }, textParam('What changed (optional)', false), incidentParam],
    args: { status: z.string({ message: 'a status is required' }).max(20), text: text('the note').optional(), incident: incidentArg },
    run: (ctx, args) =>
      onIncident(ctx, args.incident, (i, a) => {
        const status = args.status.toLowerCase() as IncidentStatus;
        if (!INCIDENT_STATUSES.includes(status)) return Promise.resolve(invalid('Unknown status', `"${cut(args.status, 20)}" is not a status: use ${INCIDENT_STATUSES.join(', ')}.`));
        return acted(changeStatus(a, i.id, status, args.text ? plainText(args.text) : null), i.id);
      }),
  }),
  appSubcommand({
    name: 'sev',
    summary: 'Change the severity',
    params: [{ name: 'severity', description: 'sev1–sev4 (or 1–4, P1–P4)', type: 'string', required: true, choices: severityChoices }, incidentParam],
    args: { severity: z.string({ message: 'a severity is required' }).max(10), incident: incidentArg },
    run: (ctx, args) =>
      onIncident(ctx, args.incident, (i, a) => {
        const severity = parseSeverity(args.severity);
        if (!severity) return Promise.resolve(invalid('Unknown severity', `"${cut(args.severity, 10)}" is not a severity: use 1–4 (sev1–sev4, P1–P4).`));
        return acted(changeSeverity(a, i.id, severity), i.id);
      }),
  }),
  appSubcommand({
    name: 'lead',
    summary: 'Hand the lead to someone',
    params: [{ name: 'person', description: 'Who leads now', type: 'user', required: true }, incidentParam],
    args: { person: z.string({ message: 'who leads is required (@someone)' }).max(120), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => giveRole(ctx, a, i, 'lead', args.person)),
  }),
  appSubcommand({
    name: 'role',
    summary: 'Give someone a role: comms, scribe (or lead)',
    params: [
      { name: 'role', description: 'comms, scribe or lead', type: 'string', required: true, choices: () => ['comms', 'scribe', 'lead'] },
      { name: 'person', description: 'Who takes it', type: 'user', required: true },
      incidentParam,
    ],
    args: { role: z.string({ message: 'a role is required: comms, scribe or lead' }).max(20), person: z.string({ message: 'who takes the role is required (@someone)' }).max(120), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => giveRole(ctx, a, i, args.role.toLowerCase(), args.person)),
  }),
  appSubcommand({
    name: 'note',
    summary: 'Add a note to the timeline',
    params: [textParam('The note'), incidentParam],
    args: { text: text('the note'), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => acted(addNote(a, i, plainText(args.text)), i.id)),
  }),
  appSubcommand({
    name: 'update',
    summary: 'Post a status update here and in the incidents channel (--public: also on the status page)',
    params: [
      textParam('The update for everyone following the incident'),
      { name: 'public', description: 'Also publish it on the public status page (nothing else ever is)', type: 'boolean' },
      incidentParam,
    ],
    args: { text: text('the update'), public: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => acted(postUpdate(a, i, plainText(args.text), { public: args.public === true || args.public === 'true' }), i.id)),
  }),
  appSubcommand({
    name: 'action',
    summary: 'Add an action item for the post-mortem',
    params: [textParam('The follow-up to do'), incidentParam],
    args: { text: text('the action item'), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => acted(addActionItem(a, i, plainText(args.text)), i.id)),
  }),
  appSubcommand({
    name: 'timeline',
    summary: 'The last events on the timeline',
    params: [{ name: 'count', description: 'How many (default 15)', type: 'integer', min: 1, max: 50 }, incidentParam],
    args: { count: z.coerce.number({ message: 'count must be a number' }).int().min(1).max(50).optional(), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i) => timeline(ctx, i, args.count)),
  }),
  appSubcommand({ name: 'list', summary: 'The open incidents, anywhere', params: [], args: {}, run: (ctx) => list(ctx) }),
  appSubcommand({
    name: 'use',
    summary: 'Console: what you run next counts for this incident (off: leave it)',
    params: [{ name: 'incident', description: 'The incident, e.g. INC-42, or off', type: 'string', required: true }],
    args: { incident: z.string({ message: 'the incident is required' }).min(1).max(20) },
    run: (ctx, args) => use(ctx, args.incident),
  }),
  appSubcommand({
    name: 'service',
    summary: 'Set the service it is about: mutating commands on it anywhere count for it',
    params: [{ name: 'service', description: 'The service, e.g. api', type: 'string', required: true }, incidentParam],
    args: { service: serviceName, incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => acted(changeService(a, i.id, args.service.toLowerCase()), i.id)),
  }),
  appSubcommand({
    name: 'resolve',
    summary: 'Resolve the incident (starts its post-mortem)',
    params: [textParam('What fixed it (optional)', false), incidentParam],
    args: { text: text('the note').optional(), incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i, a) => acted(changeStatus(a, i.id, 'resolved', args.text ? plainText(args.text) : null), i.id)),
  }),
  appSubcommand({
    name: 'channel',
    summary: 'Create the incident’s own channel (when creating it failed)',
    params: [incidentParam],
    args: { incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i) => retryChannel(ctx, i)),
  }),
  appSubcommand({
    name: 'postmortem',
    summary: 'Draft the post-mortem again from the timeline as it is now (updates its ticket)',
    params: [incidentParam],
    args: { incident: incidentArg },
    run: (ctx, args) => onIncident(ctx, args.incident, (i) => redraft(ctx, i)),
  }),
  appSubcommand({
    name: 'mark',
    summary: 'Add a chat message to the timeline (what 📌 and Add to timeline do)',
    params: [
      textParam('The message’s text'),
      { name: 'message', description: 'The chat message’s id (Slack ts, Discord message id)', type: 'string' },
      { name: 'author', description: 'Who wrote it', type: 'user' },
      incidentParam,
    ],
    args: { text: text('the message'), message: z.string().max(40).optional(), author: z.string().max(120).optional(), incident: incidentArg },
    run: (ctx, args) =>
      onIncident(ctx, args.incident, (i, a) => {
        const author = args.author ? parsePerson(args.author, ctx.actor) : null;
        return acted(markMessage(a, i, { text: plainText(args.text), messageId: args.message ?? null, author: author?.ok ? author.person : null }), i.id);
      }),
  }),
]);

export const incidentCommand = defineAppCommand({
  name: 'incident',
  summary: 'Declare and run an incident: its channel, status, severity, roles, notes, updates and timeline',
  usage:
    '/incident declare "TITLE" [sev1-4] | status identified|monitoring|resolved ["note"] | sev N | lead @someone | role comms|scribe @someone | note "text" | update [--public] "text" | action "follow-up" | timeline | list | use INC-N | service SERVICE | resolve | channel | postmortem | mark "text"',
  subcommands: subcommands.subcommands,
  params: [],
  args: subcommands.args,
  // Not a deploy: no confirmation card. Mutating so a retried delivery is deduplicated even with Redis down.
  mutating: true,
  confirms: false,
  // It acts on incidents, not on a service (`/incident service api` names one for later commands).
  serviceOf: () => null,
  run: subcommands.run,
});
