import { z } from 'zod';
import { oneLine } from '../../core/text-format.js';
import { TicketError, type FiledTicket, type TicketDraft, type TicketSystem } from '../../postmortems/ticket-system.js';
import { retryHint, ticketRequest, type TicketHttpOptions, type TicketResponse } from '../ticket-http.js';

/** Jira refuses summaries of 255 characters or more, and line breaks in them. */
const SUMMARY_LIMIT = 254;

const createdSchema = z.object({ id: z.string(), key: z.string().regex(/^[A-Z][A-Z0-9_]*-\d+$/) });
/** Jira's error body: {errorMessages: string[], errors: {field: message}}. */
const errorSchema = z.object({ errorMessages: z.array(z.string()).default([]), errors: z.record(z.string(), z.string()).default({}) });

export interface JiraIssuesOptions extends TicketHttpOptions {
  /** The site: https://acme.atlassian.net. */
  url: string;
  project: string;
  issueType: string;
  subtaskType: string;
  email: string;
  token: string;
  labels: readonly string[];
}

/**
 * Post-mortems as Jira Cloud issues (REST v3): POST /rest/api/3/issue with the draft's ADF as the
 * description, later PUT /rest/api/3/issue/{key}; each action item is a sub-task of it.
 */
export class JiraIssues implements TicketSystem {
  readonly system = 'jira';
  readonly label = 'Jira';
  private readonly base: string;
  private readonly auth: string;

  constructor(private readonly opts: JiraIssuesOptions) {
    this.base = opts.url.replace(/\/+$/, '');
    this.auth = `Basic ${Buffer.from(`${opts.email}:${opts.token}`).toString('base64')}`;
  }

  describe(ref: string): string {
    return `Jira ${ref}`;
  }

  async create(_incidentId: string, draft: TicketDraft): Promise<FiledTicket> {
    const res = await this.request('POST', '/rest/api/3/issue', {
      fields: {
        project: { key: this.opts.project },
        issuetype: { name: this.opts.issueType },
        summary: oneLine(draft.title, SUMMARY_LIMIT),
        description: document(draft),
        ...(this.opts.labels.length > 0 ? { labels: [...this.opts.labels] } : {}),
      },
    });
    if (res.status !== 201) throw this.refusal(res, 'the issue', 'issue_type');
    return this.filed(res);
  }

  async update(_incidentId: string, ticket: FiledTicket, draft: TicketDraft): Promise<FiledTicket> {
    const res = await this.request('PUT', `/rest/api/3/issue/${encodeURIComponent(ticket.ref)}`, {
      fields: { summary: oneLine(draft.title, SUMMARY_LIMIT), description: document(draft) },
    });
    if (res.status !== 204 && res.status !== 200) throw this.refusal(res, `${ticket.ref}`, 'issue_type', ticket.ref);
    return { ref: ticket.ref, url: this.browse(ticket.ref) };
  }

  async createItem(parent: FiledTicket, item: { id: string; text: string }): Promise<FiledTicket> {
    const res = await this.request('POST', '/rest/api/3/issue', {
      fields: {
        project: { key: this.opts.project },
        parent: { key: parent.ref },
        issuetype: { name: this.opts.subtaskType },
        summary: oneLine(item.text, SUMMARY_LIMIT),
      },
    });
    if (res.status !== 201) throw this.refusal(res, `a sub-task of ${parent.ref}`, 'subtask_type');
    return this.filed(res);
  }

  private request(method: 'POST' | 'PUT', path: string, body: unknown): Promise<TicketResponse> {
    return ticketRequest({ service: 'Jira', method, url: `${this.base}${path}`, headers: { authorization: this.auth }, body }, this.opts);
  }

  private browse(key: string): string {
    return `${this.base}/browse/${key}`;
  }

  private filed(res: TicketResponse): FiledTicket {
    const parsed = createdSchema.safeParse(res.json);
    if (!parsed.success) throw new TicketError(`Jira answered ${res.status} without an issue key, so Firebreak cannot tell where the issue is; check project ${this.opts.project}.`);
    return { ref: parsed.data.key, url: this.browse(parsed.data.key) };
  }

  private refusal(res: TicketResponse, what: string, typeSetting: 'issue_type' | 'subtask_type', key?: string): TicketError {
    const host = new URL(this.base).host;
    const body = errorSchema.safeParse(res.json);
    const details = body.success ? [...body.data.errorMessages, ...Object.entries(body.data.errors).map(([field, msg]) => `${field}: ${msg}`)] : [];
    const said = `${res.status}${details.length > 0 ? ` ${details.join('; ')}` : ''}`;
    if (res.status === 401) return new TicketError(`Jira refused the credentials (401): set a valid JIRA_TOKEN, an API token of ${this.opts.email}, for ${host}.`);
    if (res.status === 429) return new TicketError(`Jira is rate limiting ${this.opts.email} (429); ${retryHint(res.headers)}.`);
    if (res.status === 403) return new TicketError(`Jira did not let ${this.opts.email} create or edit issues in project ${this.opts.project} (${said}): grant it the project's Create and Edit issues permissions.`);
    if (res.status === 404) {
      return key
        ? new TicketError(`Jira issue ${key} is gone or ${this.opts.email} cannot see it (${said}); Firebreak does not file a second one.`)
        : new TicketError(`Jira has no REST API v3 at ${this.base} (${said}): postmortems.jira.url must be the site, e.g. https://acme.atlassian.net.`);
    }
    if (res.status >= 500) return new TicketError(`Jira failed (${said}); press Retry later.`);
    const errors = body.success ? body.data.errors : {};
    if (res.status === 400 && ('issuetype' in errors || 'project' in errors)) {
      return new TicketError(`Jira refused ${what} (${said}): check postmortems.jira.project and ${typeSetting} against the project's issue types.`);
    }
    return new TicketError(`Jira refused ${what} (${said}).`);
  }
}

/** The draft's ADF doc as Jira wants it; a draft without one is a programming error worth one clear sentence. */
function document(draft: TicketDraft): unknown {
  const adf = draft.adf as { type?: unknown; version?: unknown } | null;
  if (!adf || typeof adf !== 'object' || adf.type !== 'doc') {
    throw new TicketError('The post-mortem draft has no Atlassian Document Format version for Jira\'s description; nothing was sent to Jira.');
  }
  return adf;
}
