/**
 * What people do to an incident, from a command or a button: each is stored (with its timeline
 * event), then shown (card, topic, announcement), and answered with one Reply. Commands and button
 * handlers only parse their input and call these.
 */
import type { Actor, ChannelRef } from '../core/identity.js';
import type { Reply } from '../core/reply.js';
import { cut } from '../core/text-format.js';
import { refreshIncident, incidentsChannel, incidentsChannelName, type IncidentDeps } from './incident-messages.js';
import type { ChangeContext, IncidentChange, RoleName } from './incident-store.js';
import { personName } from './mentions.js';
import type { Incident, IncidentStatus, Severity } from './model.js';
import { pageOnDeclare, pages, resolvePage, wasPaged } from './paging-hooks.js';
import { onResolved } from './resolve-hooks.js';
import { severityLabel } from './summary-card.js';

/** Who is acting, in which invocation, from where. */
export interface Acting {
  deps: IncidentDeps;
  actor: Actor;
  invocationId: string;
  channel: ChannelRef;
}

export interface ActResult {
  ok: boolean;
  reply: Reply;
  /** The incident after the change (null when it does not exist). */
  incident: Incident | null;
}

const ctxOf = (a: Acting): ChangeContext => ({ actor: a.actor, invocationId: a.invocationId, channel: a.channel });

export { normalizeIncidentId } from '../core/attribution.js';

export function noSuchIncident(id: string): ActResult {
  return { ok: false, incident: null, reply: { title: 'Unknown incident', status: 'error', text: `There is no incident ${id}. /incident list shows the open ones.`, ephemeral: true } };
}

/** A change was stored: show it, run what follows a resolution, and say what happened (and what could not be shown). */
async function afterChange(a: Acting, change: IncidentChange | null, id: string, said: (i: Incident) => Reply, unchanged: (i: Incident) => string): Promise<ActResult> {
  if (!change) return noSuchIncident(id);
  const i = change.incident;
  if (!change.changed) return { ok: true, incident: i, reply: { title: `${i.id}: nothing to change`, status: 'info', text: unchanged(i), ephemeral: true } };
  const problems = await refreshIncident(a.deps, change.before, i);
  if (change.before.status !== 'resolved' && i.status === 'resolved') problems.push(...(await resolved(a, i)));
  const reply = said(i);
  return { ok: true, incident: i, reply: problems.length > 0 ? { ...reply, status: 'warning', context: [reply.context, ...problems].filter(Boolean).join(' ') } : reply };
}

/** Once per resolution, by the replica whose change resolved it. */
async function resolved(a: Acting, i: Incident): Promise<string[]> {
  const problems: string[] = [];
  const run = async (fn: () => Promise<string | null>, what: string) => {
    const p = await fn().catch((err: unknown) => `${what} failed: ${a.deps.ports.redactor.redact(err instanceof Error ? err.message : String(err))}`);
    if (p) problems.push(p);
  };
  // Whatever its severity now: a page sent at declare (or on a raise) is resolved, and none is claimed otherwise.
  if (a.deps.ports.paging && (await wasPaged(i, a.deps).catch(() => true))) await run(() => resolvePage(i, a.deps), 'Resolving the page');
  await run(() => onResolved(i, a.deps), 'The post-mortem');
  return problems;
}

export async function changeStatus(a: Acting, id: string, status: IncidentStatus, note: string | null): Promise<ActResult> {
  const change = await a.deps.ports.incidents.setStatus(id, status, ctxOf(a), note);
  return afterChange(
    a,
    change,
    id,
    (i) => ({
      title: `${i.id} is ${status}${status === 'resolved' ? '' : ` (was ${change!.before.status})`}`,
      status: status === 'resolved' ? 'ok' : 'info',
      text: `${a.actor.name} set ${i.id} to ${status}${note ? `: ${note}` : '.'}`,
    }),
    (i) => `${i.id} is already ${i.status}.`,
  );
}

export async function changeSeverity(a: Acting, id: string, severity: Severity): Promise<ActResult> {
  const change = await a.deps.ports.incidents.setSeverity(id, severity, ctxOf(a));
  const result = await afterChange(
    a,
    change,
    id,
    (i) => ({ title: `${i.id} is now ${severityLabel(severity)}`, status: 'info', text: `${a.actor.name} changed the severity from ${severityLabel(change!.before.severity)} to ${severityLabel(severity)}.` }),
    (i) => `${i.id} is already ${severityLabel(i.severity)}.`,
  );
  // Raised into a paging severity (incidents.paging.severities) by this change: page as a declare at it would.
  const i = result.incident;
  if (!result.ok || !change?.changed || !i || i.status === 'resolved' || pages(change.before, a.deps) || !pages(i, a.deps)) return result;
  if (await wasPaged(i, a.deps).catch(() => false)) return result;
  const problem = await pageOnDeclare(i, a.deps, ctxOf(a)).catch((err: unknown) => `Paging failed: ${a.deps.ports.redactor.redact(err instanceof Error ? err.message : String(err))}`);
  if (!problem) return { ...result, reply: { ...result.reply, context: [result.reply.context, `On-call was paged.`].filter(Boolean).join(' ') } };
  return { ...result, reply: { ...result.reply, status: 'warning', context: [result.reply.context, problem].filter(Boolean).join(' ') } };
}

/** `/incident service api`: mutating commands on api, anywhere, count for it while it is open. */
export async function changeService(a: Acting, id: string, service: string): Promise<ActResult> {
  const change = await a.deps.ports.incidents.setService(id, service, ctxOf(a));
  return afterChange(
    a,
    change,
    id,
    (i) => ({
      title: `${i.id} is about ${service}`,
      status: 'info',
      text: `${a.actor.name} set its service${change!.before.service ? ` (was ${change!.before.service})` : ''}. While it is open, a mutating command on ${service} anywhere is recorded on ${i.id} too.`,
    }),
    (i) => `${i.id} is already about ${service}.`,
  );
}

export async function assignRole(a: Acting, id: string, role: RoleName, person: Actor): Promise<ActResult> {
  if (person.platform !== a.actor.platform) {
    return { ok: false, incident: null, reply: { title: 'Not someone here', status: 'error', text: `${role} must be someone on ${a.actor.platform}.`, ephemeral: true } };
  }
  const change = await a.deps.ports.incidents.setRole(id, role, person, ctxOf(a));
  const result = await afterChange(
    a,
    change,
    id,
    (i) => ({ title: `${i.id}: ${personName(person)} is ${role}`, status: 'info', text: `${a.actor.name} made ${person.name} the ${role}${change!.before.roles[role] ? ` (was ${change!.before.roles[role]!.name})` : ''}.` }),
    (i) => `${person.name} is already the ${role} of ${i.id}.`,
  );
  // The new lead, comms or scribe should be in the channel (someone named by mention may not be yet).
  const channel = result.incident?.channel;
  if (result.ok && change?.changed && channel?.own) {
    await a.deps.ports.chat
      .get(channel.platform)
      ?.inviteToChannel(channel.id, [person.id])
      .catch((err: unknown) => a.deps.ports.logger.warn({ incident: id, err: String(err) }, `could not invite the new ${role} to the incident channel`));
  }
  return result;
}

async function recordNote(a: Acting, i: Incident, text: string): Promise<void> {
  await a.deps.ports.timeline.record({ invocationId: a.invocationId, incidentId: i.id, kind: 'note', actor: a.actor, channel: a.channel, command: 'incident', text, outcome: 'ok' });
}

export async function addNote(a: Acting, i: Incident, text: string): Promise<ActResult> {
  await recordNote(a, i, text);
  return { ok: true, incident: i, reply: { title: `Noted on ${i.id}'s timeline`, status: 'ok', text: `${a.actor.name}: ${text}` } };
}

export async function addActionItem(a: Acting, i: Incident, text: string): Promise<ActResult> {
  const item = await a.deps.ports.incidents.addActionItem(i.id, text, ctxOf(a));
  if (!item) return noSuchIncident(i.id);
  return { ok: true, incident: i, reply: { title: `Action item for ${i.id}'s post-mortem`, status: 'ok', text: `${text} (added by ${a.actor.name})` } };
}

/**
 * A status update: recorded, posted in the incident's channel (the command's reply) and in the
 * incidents channel and the stakeholder channels, so people who are not in the incident read it too.
 */
export async function postUpdate(a: Acting, i: Incident, text: string, opts: { public?: boolean } = {}): Promise<ActResult> {
  const { config, ports } = a.deps;
  // Recorded with the next status reminder counted from now (and published, when asked, in the same transaction).
  if (!(await ports.incidents.recordUpdate(i.id, text, ctxOf(a), opts.public ? { public: true } : {}))) return noSuchIncident(i.id);
  const published = opts.public ? ' · published on the status page' : '';
  const update: Reply = { title: `${i.id} update (${severityLabel(i.severity)}, ${i.status}): ${i.title}`, status: 'info', text, context: `by ${a.actor.name}${i.channel?.own ? ` · #${i.channel.name}` : ''}${published}` };
  const port = i.channel ? ports.chat.get(i.channel.platform) : undefined;
  const problems: string[] = [];
  const here = incidentsChannelName(config);
  const targets = [...(i.channel?.own ? [{ target: incidentsChannel(config), name: here }] : []), ...config.incidents.stakeholder_channels.map((c) => ({ target: { name: c.replace(/^#/, '') }, name: c.replace(/^#/, '') }))];
  for (const t of targets) {
    if (!port) break;
    // A person's words for everyone following: ahead of alert cards waiting for #incidents in a storm.
    await port.postMessage(t.target, update, { priority: 'person' }).catch((err: unknown) => problems.push(`Not posted in #${t.name}: ${ports.redactor.redact(err instanceof Error ? err.message : String(err))}`));
  }
  const posted = targets.length > 0 && port ? ` Also posted in ${targets.map((t) => `#${t.name}`).join(', ')}.` : '';
  return { ok: true, incident: i, reply: { ...update, status: problems.length ? 'warning' : 'info', context: [update.context, posted.trim(), ...problems].filter(Boolean).join(' · ') } };
}

/** Join: the clicker is let into the incident's channel. */
export async function joinIncident(a: Acting, id: string): Promise<ActResult> {
  const i = await a.deps.ports.incidents.get(id);
  if (!i) return noSuchIncident(id);
  const channel = i.channel;
  if (!channel?.own) return { ok: false, incident: i, reply: { title: `${i.id} has no channel of its own`, status: 'info', text: `${i.id} runs in #${channel?.name ?? incidentsChannelName(a.deps.config)}.`, ephemeral: true } };
  const port = a.deps.ports.chat.get(channel.platform);
  if (!port || channel.platform !== a.actor.platform) {
    return { ok: false, incident: i, reply: { title: `${i.id} is on ${channel.platform}`, status: 'info', text: `Its channel is #${channel.name} on ${channel.platform}.`, ephemeral: true } };
  }
  try {
    await port.inviteToChannel(channel.id, [a.actor.id]);
  } catch (err) {
    const why = a.deps.ports.redactor.redact(err instanceof Error ? err.message : String(err));
    return { ok: false, incident: i, reply: { title: `Could not add you to #${channel.name}`, status: 'error', text: why, ephemeral: true } };
  }
  return { ok: true, incident: i, reply: { title: `You joined #${channel.name}`, status: 'ok', text: `${i.id}: ${i.title}`, ephemeral: true } };
}

/**
 * A chat message someone marked for the timeline (📌 on Slack, the Add to timeline shortcut or
 * Discord message command, `/incident mark`): its text, who wrote it and where, as `message.marked`.
 */
export async function markMessage(a: Acting, i: Incident, m: { text: string; messageId: string | null; author: Actor | null }): Promise<ActResult> {
  await a.deps.ports.timeline.record({
    invocationId: a.invocationId,
    incidentId: i.id,
    kind: 'message.marked',
    actor: a.actor,
    channel: a.channel,
    command: 'incident',
    text: m.text,
    outcome: 'ok',
    detail: { message: m.messageId, author: m.author?.name ?? null, authorId: m.author ? `${m.author.platform}:${m.author.id}` : null },
  });
  const by = m.author ? ` by ${m.author.name}` : '';
  return { ok: true, incident: i, reply: { title: `📌 Added to ${i.id}'s timeline`, status: 'ok', text: `The message${by}: ${cut(m.text, 200)}`, ephemeral: true } };
}
