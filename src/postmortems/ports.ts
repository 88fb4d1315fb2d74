import type { CorePorts } from '../core/services.js';
import type { Reply } from '../core/reply.js';
import type { PostmortemTicketing } from './ticket-filing.js';

/** Drafts an incident's post-mortem from its timeline as it is now, files it and shows it in the incident's channel. */
export interface PostmortemService {
  /** The card shown in the incident's channel, the signed link to the full draft, and what went wrong filing or showing it. */
  draft(incidentId: string): Promise<{ reply: Reply; draftUrl: string; problems: string[] } | null>;
}

/** What the post-mortems room uses: the core's ports, the ticket systems and, for Retry, the service itself. */
export interface PostmortemsPorts extends CorePorts {
  /** Post-mortem tickets: the systems in `postmortems:` (GitHub, Jira, a directory) and what was filed with them. */
  tickets?: PostmortemTicketing;
  /** The service built from these ports (postmortem-service.ts); Retry drafts again through it. */
  postmortems?: PostmortemService;
}
