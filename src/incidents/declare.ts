/**
 * Declaring an incident: stored once per source, then (by the one caller that created it) its own
 * channel with the topic, the people invited, the summary card posted and pinned there, and the
 * announcement with Join in the incidents channel. When the channel cannot be created the incident
 * still exists and runs in the incidents channel; the declarer is told exactly what to fix.
 */
import type { ChatPlatformPort } from '../core/chat-port.js';
import type { Actor, ChannelRef } from '../core/identity.js';
import type { Placement } from '../core/placement.js';
import type { Reply } from '../core/reply.js';
import { incidentChannelName } from './channel-name.js';
import {
  incidentsChannel,
  incidentsChannelName,
  showAnnouncement,
  showSummary,
  type IncidentDeps,
} from './incident-messages.js';
import type { ChangeContext } from './incident-store.js';
import type { Incident, IncidentChannel, Severity } from './model.js';
import { pageOnDeclare, pages } from './paging-hooks.js';
import { formatUtc, incidentTopic, severityLabel } from './summary-card.js';

export interface DeclareRequest {
  /** Declaring twice from one source is one incident: `alert-group:12`, `invocation:<id>`. */
  source: string;
  title: string;
  severity: Severity;
  service?: string | null;
  alertGroups?: string[];
  /** Where those groups' cards are shown (they are shown again, naming the incident). */
  cardPlatforms?: readonly string[];
  declaredBy: Actor;
  /** The person declaring leads until someone else takes it; null for the system (an alert route). */
  lead: Actor | null;
  /** The chat platform the incident's channel is created on. */
  platform: string;
  invocationId: string;
  /** Where it was declared from. */
  from: ChannelRef | null;
}

export interface Declared {
  incident: Incident;
  /** False when this source had declared it already: nothing was created this time. */
  created: boolean;
  /** Why its own channel could not be created (it runs in the incidents channel), or null. */
  channelProblem: string | null;
  /** Everything else that did not work (invites, pin, announcement, paging): one sentence each. */
  problems: string[];
}

/** Who is invited: the declarer, the lead and the responders configured for the severity and service, on this platform. */
export function invitees(deps: IncidentDeps, i: Incident, platform: string): string[] {
  const cfg = deps.config.incidents.responders;
  const configured = [...(cfg.severities[i.severity] ?? []), ...(i.service ? (cfg.services[i.service] ?? []) : [])]
    .filter((m) => m.startsWith(`${platform}:`))
    .map((m) => m.slice(platform.length + 1));
  const people = [i.declaredBy, i.roles.lead].filter((a): a is Actor => !!a && a.platform === platform).map((a) => a.id);
  return [...new Set([...people, ...configured])];
}

const why = (deps: IncidentDeps, err: unknown) => deps.ports.redactor.redact(err instanceof Error ? err.message : String(err));

export async function declareIncident(deps: IncidentDeps, req: DeclareRequest): Promise<Declared> {
  const { ports, config } = deps;
  const ctx: ChangeContext = { actor: req.declaredBy, invocationId: req.invocationId, channel: req.from };
  const { incident: stored, created } = await ports.incidents.declare(
    { source: req.source, title: req.title, severity: req.severity, declaredBy: req.declaredBy, lead: req.lead, service: req.service ?? null, alertGroups: req.alertGroups, cardPlatforms: req.cardPlatforms },
    ctx,
  );
  if (!created) return { incident: stored, created: false, channelProblem: null, problems: [] };

  const port = ports.chat.get(req.platform);
  if (!port) {
    return { incident: stored, created: true, channelProblem: `${req.platform} is not connected in this Firebreak process, so ${stored.id} has no channel yet.`, problems: [] };
  }
  const problems: string[] = [];
  const opened = await openOwnChannel(deps, port, stored, ctx, problems);
  let incident = opened.incident;
  const channelProblem = opened.problem;
  if (channelProblem) {
    // Until its channel exists the incident runs where people already are.
    const here = incidentsChannelName(config);
    const shown = await showSummary(ports, port, { ...incident, channel: { platform: req.platform, id: '', name: here, own: false } }, incidentsChannel(config)).catch((err: unknown) => {
      problems.push(`Firebreak could not post ${incident.id}'s card in #${here} either: ${why(deps, err)}`);
      return null;
    });
    if (shown?.ref) {
      const shared: IncidentChannel = { platform: req.platform, id: shown.ref.channelId, name: here, own: false };
      incident = (await ports.incidents.setChannel(stored.id, shared, ctx))?.incident ?? incident;
    }
  }

  if (pages(incident, deps)) {
    const problem = await pageOnDeclare(incident, deps, ctx).catch((err: unknown) => `Paging failed: ${why(deps, err)}`);
    if (problem) {
      problems.push(problem);
      if (incident.channel) await port.postMessage({ id: incident.channel.id }, { title: `${incident.id}: on-call was not paged`, status: 'error', text: problem }).catch(() => {});
    }
  }
  return { incident, created: true, channelProblem, problems };
}

/**
 * The incident's own channel: created with its topic, the people invited, the card posted and
 * pinned, the announcement with Join in the incidents channel. `problem` says why there is no
 * channel (then nothing else was done); smaller failures are added to `problems`.
 */
export async function openOwnChannel(
  deps: IncidentDeps,
  port: ChatPlatformPort,
  incident: Incident,
  ctx: ChangeContext,
  problems: string[],
): Promise<{ incident: Incident; problem: string | null }> {
  const { config, ports } = deps;
  // From the masked title: a channel's name is seen by the whole workspace and never masked after.
  const name = incidentChannelName({ prefix: config.chat.incident_channel_prefix, title: ports.redactor.redact(incident.title), declaredAt: incident.declaredAt, incidentId: incident.id });
  let own: ChannelRef;
  try {
    own = await port.createChannel(name, {
      topic: incidentTopic(incident),
      private: config.incidents.private_channels,
      ...(port.platform === 'discord' && config.chat.discord.incident_category ? { parentId: config.chat.discord.incident_category } : {}),
    });
  } catch (err) {
    const problem = `Firebreak could not create #${name}: ${why(deps, err)}`;
    ports.logger.warn({ incident: incident.id, platform: port.platform }, problem);
    return { incident, problem };
  }
  const withChannel = (await ports.incidents.setChannel(incident.id, { platform: own.platform, id: own.id, name: own.name, own: true }, ctx))?.incident ?? incident;
  const users = invitees(deps, withChannel, port.platform);
  await port.inviteToChannel(own.id, users).catch((err: unknown) => problems.push(`Firebreak could not invite ${users.length} people to #${own.name}: ${why(deps, err)}`));
  await postAndPin(deps, port, withChannel, problems);
  await showAnnouncement(deps, port, withChannel).catch((err: unknown) => problems.push(`Firebreak could not announce ${withChannel.id} in #${incidentsChannelName(config)}: ${why(deps, err)}`));
  return { incident: withChannel, problem: null };
}

async function postAndPin(deps: IncidentDeps, port: ChatPlatformPort, incident: Incident, problems: string[]): Promise<void> {
  const channel = incident.channel!;
  try {
    const shown = await showSummary(deps.ports, port, incident, { id: channel.id });
    if (shown.ref) {
      await port.pinMessage(shown.ref).catch((err: unknown) => problems.push(`Firebreak could not pin ${incident.id}'s card in #${channel.name}: ${why(deps, err)}`));
    }
  } catch (err) {
    problems.push(`Firebreak could not post ${incident.id}'s card in #${channel.name}: ${why(deps, err)}`);
  }
}

export interface DeclaredReply {
  reply: Reply;
  placement: Placement;
}

/** What the person who declared (or clicked Open incident) sees. */
export function declaredReply(d: Declared, by: Actor, config: IncidentDeps['config']): DeclaredReply {
  const i = d.incident;
  const channel = i.channel;
  const problems = d.problems.length > 0 ? d.problems.join(' ') : undefined;
  if (!d.created) {
    const where = channel ? ` It runs in #${channel.name}.` : ' Its channel is still being set up.';
    return {
      reply: { title: `${i.id} is already open`, status: 'info', text: `${i.id} (${severityLabel(i.severity)}): ${i.title} was declared from here already by ${i.declaredBy.name} at ${formatUtc(i.declaredAt)}.${where}`, ephemeral: true },
      placement: { kind: 'private' },
    };
  }
  if (channel?.own) {
    const welcome: Reply = {
      title: `${i.id} declared by ${by.name}: ${i.title}`,
      status: 'info',
      text: [
        `${severityLabel(i.severity)} · ${i.status} · lead ${i.roles.lead ? `@${i.roles.lead.name}` : 'nobody yet'}. Everything done in this channel is on ${i.id}'s timeline.`,
        '/incident status identified|monitoring|resolved ["note"] · /incident update "…" (also posted in the incidents channel) · /incident note "…" · /incident action "follow-up" · /incident lead @someone · /incident timeline',
      ].join('\n'),
    };
    return {
      reply: welcome,
      placement: {
        kind: 'channel',
        channel: { id: channel.id },
        pointer: { title: `${i.id} declared: #${channel.name}`, status: problems ? 'warning' : 'ok', text: problems ?? `You were invited; the summary card is pinned there.`, ephemeral: true },
      },
    };
  }
  const here = incidentsChannelName(config);
  return {
    reply: {
      title: `${i.id} declared, running in #${here}`,
      status: 'warning',
      text: [d.channelProblem, `Until that is fixed ${i.id} runs in #${here}: run /incident commands there with --incident=${i.id}; /incident channel --incident=${i.id} creates its channel once it is fixed.`, problems]
        .filter(Boolean)
        .join(' '),
      ephemeral: true,
    },
    placement: { kind: 'private' },
  };
}
