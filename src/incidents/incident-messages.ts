/**
 * Keeping what an incident shows in chat in step with the store: the summary card (pinned), the
 * channel topic and the announcement in the incidents channel. Any replica may call these after a
 * change: the cards are stored message refs (posted once, then edited in place from the store's
 * latest state), so two replicas changing one incident at once both end on the newest rendering.
 */
import type { FirebreakConfig } from '../config/schema.js';
import type { ChannelTarget, ChatPlatformPort } from '../core/chat-port.js';
import { showMessage, type ShowResult } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import { announcementMessageKey, summaryMessageKey } from './incident-store.js';
import type { Incident } from './model.js';
import type { IncidentsPorts } from './ports.js';
import { announcementCard, incidentTopic, summaryCard, type LinkedAlert } from './summary-card.js';

export interface IncidentDeps {
  config: FirebreakConfig;
  ports: IncidentsPorts;
}

/** While an incident runs in the incidents channel its card lives there, under its own key, so its own channel can get a fresh one later. */
export function summaryKeyOf(i: Incident): string {
  return i.channel && !i.channel.own ? `${summaryMessageKey(i.id)}:incidents-channel` : summaryMessageKey(i.id);
}

/** The incidents channel as a post target: a Discord channel id as an id, anything else by name. */
export function incidentsChannel(config: FirebreakConfig): ChannelTarget {
  const c = config.chat.incidents_channel.replace(/^#/, '');
  return /^\d{5,25}$/.test(c) ? { id: c } : { name: c };
}

export function incidentsChannelName(config: FirebreakConfig): string {
  return config.chat.incidents_channel.replace(/^#/, '');
}

/** The alert groups the card lists, read now (a group may have resolved since it was linked). */
export async function linkedAlerts(ports: IncidentsPorts, i: Incident): Promise<LinkedAlert[]> {
  const out: LinkedAlert[] = [];
  for (const id of i.alertGroups.slice(0, 10)) {
    const g = await ports.alerts.get(id).catch(() => null);
    out.push(g ? { id, alertname: g.alertname, service: g.service, status: g.status } : { id, alertname: `alert group ${id}`, service: null, status: 'unknown' });
  }
  return out;
}

/**
 * The Open timeline link, made afresh with each rendering (so a card edited today links for another
 * week). No link rather than no card when the secret cannot be read.
 */
export async function timelineUrlOf(ports: IncidentsPorts, id: string): Promise<string | null> {
  if (!ports.timelineUrl) return null;
  return ports.timelineUrl(id).catch((err: unknown) => {
    ports.logger.warn({ incident: id, err: err instanceof Error ? err.message : String(err) }, 'could not sign the Open timeline link; the card goes without it');
    return null;
  });
}

/** The card as the store has it now: what every replica renders, whoever changed the incident last. */
function renderSummary(ports: IncidentsPorts, id: string, fallback: Incident): () => Promise<Reply> {
  return async () => {
    const i = (await ports.incidents.get(id)) ?? fallback;
    return summaryCard(i, await linkedAlerts(ports, i), await timelineUrlOf(ports, id));
  };
}

function renderAnnouncement(ports: IncidentsPorts, id: string, fallback: Incident): () => Promise<Reply> {
  return async () => announcementCard((await ports.incidents.get(id)) ?? fallback, await timelineUrlOf(ports, id));
}

/** Posts (first time) or updates the summary card where the incident runs. */
export function showSummary(ports: IncidentsPorts, port: ChatPlatformPort, i: Incident, channel: ChannelTarget): Promise<ShowResult> {
  return showMessage(ports.messageRefs, summaryKeyOf(i), port, channel, renderSummary(ports, i.id, i));
}

export function showAnnouncement(deps: IncidentDeps, port: ChatPlatformPort, i: Incident): Promise<ShowResult> {
  return showMessage(deps.ports.messageRefs, announcementMessageKey(i.id), port, incidentsChannel(deps.config), renderAnnouncement(deps.ports, i.id, i));
}

/**
 * After a change: the card, the topic (only when what it says changed, since Discord allows two
 * channel edits per 10 minutes) and the announcement (only if there is one). Never throws: each
 * problem comes back as one sentence for the person who made the change.
 */
export async function refreshIncident(deps: IncidentDeps, before: Incident | null, after: Incident): Promise<string[]> {
  const { ports } = deps;
  const channel = after.channel;
  if (!channel) return [];
  const port = ports.chat.get(channel.platform);
  if (!port) return [`${channel.platform} is not connected in this Firebreak process, so ${after.id}'s card and topic were not updated; they catch up with the next change.`];
  const problems: string[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (err) {
      const why = ports.redactor.redact(err instanceof Error ? err.message : String(err));
      ports.logger.warn({ incident: after.id, err: why }, `could not update ${what}`);
      problems.push(`Firebreak could not update ${what}: ${why}`);
    }
  };
  await attempt(`${after.id}'s summary card`, () => showSummary(ports, port, after, { id: channel.id }));
  if (channel.own && (!before || incidentTopic(before) !== incidentTopic(after))) {
    await attempt(`the topic of #${channel.name}`, () => port.setTopic(channel.id, incidentTopic(after)));
  }
  if (await ports.messageRefs.get(announcementMessageKey(after.id), channel.platform).catch(() => null)) {
    await attempt(`${after.id}'s announcement in #${incidentsChannelName(deps.config)}`, () => showAnnouncement(deps, port, after));
  }
  return problems;
}
