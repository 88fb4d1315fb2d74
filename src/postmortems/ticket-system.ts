/**
 * The post-mortem's side of ticket systems (GitHub issues, Jira, a directory of files). The
 * integrations implement it; src/postmortems never imports them, main.ts wires them from config.
 */

/** What is filed: the draft as the builder rendered it. Filing does not care how it was built. */
export interface TicketDraft {
  title: string;
  /** The whole draft in Markdown (GitHub issue body, the directory's file). Action items are its task list. */
  markdown: string;
  /** The same draft as an Atlassian Document Format doc, for Jira's description. */
  adf: unknown;
  /** Filed separately where the system has sub-tasks (Jira); `id` says which were filed already. */
  actionItems: readonly { id: string; text: string }[];
}

/** Where a filed ticket is: `ref` is what the system updates it by, `url` where a person opens it. */
export interface FiledTicket {
  ref: string;
  url: string | null;
}

/** A refusal or failure a person can act on, in one sentence (already free of secrets). */
export class TicketError extends Error {
  override readonly name = 'TicketError';
}

export interface TicketSystem {
  /** Stored with the ticket: "github", "jira", "directory". One system of each kind. */
  readonly system: string;
  /** How people call it: "GitHub", "Jira", "the post-mortem directory". */
  readonly label: string;
  /** "GitHub issue acme/shop#12", "Jira OPS-7", "/var/lib/…/INC-3.md". */
  describe(ref: string): string;
  /** Files a new ticket. Throws TicketError. */
  create(incidentId: string, draft: TicketDraft): Promise<FiledTicket>;
  /** Replaces the ticket's title and text in place (regenerating never files a second one). Throws TicketError. */
  update(incidentId: string, ticket: FiledTicket, draft: TicketDraft): Promise<FiledTicket>;
  /** Files one action item under the ticket (Jira sub-tasks). Absent: the items are the body's task list. */
  createItem?(parent: FiledTicket, item: { id: string; text: string }): Promise<FiledTicket>;
}
