import { buildDraftAdf } from './draft-adf.js';
import { draftTitle } from './draft-document.js';
import type { DraftInput } from './draft-input.js';
import { buildDraft } from './draft-markdown.js';
import type { TicketDraft } from './ticket-system.js';

/** GitHub refuses an issue body over 65,536 characters. */
const MARKDOWN_LIMIT = 65_536;
/**
 * Jira refuses a description over 32,767 characters. Counted on the ADF's JSON, which is always
 * longer than its text, so a draft cut to it is accepted whichever Jira counts.
 */
const ADF_LIMIT = 32_767;

/**
 * What is filed for an incident: the draft cut to fit the ticket systems (the summary, key times,
 * action items and the sections for people always survive; the rest says where the full draft is).
 */
export function ticketDraft(input: DraftInput): TicketDraft {
  return {
    title: draftTitle(input.incident),
    markdown: buildDraft(input, { maxChars: MARKDOWN_LIMIT }),
    adf: buildDraftAdf(input, { maxChars: ADF_LIMIT }),
    actionItems: input.actionItems.map((a) => ({ id: a.id, text: a.text })),
  };
}
