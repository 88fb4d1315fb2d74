import { showMessage } from '../core/posted-messages.js';
import type { Reply } from '../core/reply.js';
import type { Incident } from '../incidents/model.js';
import { keyTimeRows } from './draft-card.js';
import { maskDraftInput } from './masked-draft-input.js';
import type { DraftSource } from './draft-source.js';
import type { PostmortemService, PostmortemsPorts } from './ports.js';
import { ticketParts } from './retry-button.js';
import { ticketDraft } from './ticket-draft.js';
import { fileDraft, type FilingOutcome } from './ticket-filing.js';

export type { PostmortemService } from './ports.js';

export const postmortemMessageKey = (incidentId: string) => `incident:${incidentId}:postmortem`;

/**
 * The loop's last step: the draft (built from the store on every call, so `/incident postmortem`
 * regenerates it), its signed link, the tickets (filed once across replicas, later updated in
 * place — never a second), and one card in the incident's channel, updated in place.
 */
export function postmortemService(deps: { ports: PostmortemsPorts; source: DraftSource; draftUrl: (incidentId: string) => Promise<string> }): PostmortemService {
  const { ports, source } = deps;
  return {
    async draft(incidentId) {
      const loaded = await source.load(incidentId);
      if (!loaded) return null;
      // Masked before it is rendered, for the tickets and the card alike (masked-draft-input.ts).
      const input = maskDraftInput(loaded, ports.redactor);
      const url = await deps.draftUrl(incidentId);
      const tickets = ports.tickets;
      const outcomes: FilingOutcome[] = tickets && tickets.systems.length > 0 ? await fileDraft({ systems: tickets.systems, tickets: tickets.tickets, redactor: ports.redactor, logger: ports.logger }, incidentId, ticketDraft({ ...input, draftUrl: url })) : [];
      const parts = ticketParts(incidentId, outcomes);
      const reply: Reply = {
        title: `Post-mortem draft: ${input.incident.id} ${input.incident.title}`,
        status: outcomes.some((o) => o.status === 'failed') ? 'warning' : 'info',
        text: `The draft is built from the timeline: what was run, by whom, with what result. Write impact, root cause and lessons in ${outcomes.find((o) => o.ticket)?.ticket?.url ?? 'the draft'}.\nFull draft: ${url}`,
        fields: [...keyTimeRows(input), ...parts.fields],
        buttons: parts.buttons,
      };
      const timeline = await ports.timelineUrl?.(incidentId).catch(() => null);
      if (timeline) reply.links = [{ label: 'Open timeline', url: timeline }];
      const problems = outcomes.filter((o) => o.status === 'failed' || o.status === 'busy').map((o) => o.sentence);
      await showInChannel(ports, input.incident, reply).catch((err: unknown) => {
        problems.push(`Firebreak could not post the post-mortem card: ${ports.redactor.redact(err instanceof Error ? err.message : String(err))}`);
      });
      return { reply, draftUrl: url, problems };
    },
  };
}

async function showInChannel(ports: PostmortemsPorts, i: Incident, reply: Reply): Promise<void> {
  const channel = i.channel;
  if (!channel) return;
  const port = ports.chat.get(channel.platform);
  if (!port) return;
  await showMessage(ports.messageRefs, postmortemMessageKey(i.id), port, { id: channel.id }, reply);
}
