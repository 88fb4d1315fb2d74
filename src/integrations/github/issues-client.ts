import { z } from 'zod';
import { oneLine } from '../../core/text-format.js';
import { TicketError, type FiledTicket, type TicketDraft, type TicketSystem } from '../../postmortems/ticket-system.js';
import { rateLimited, retryHint, ticketRequest, type TicketHttpOptions, type TicketResponse } from '../ticket-http.js';

/** GitHub refuses a longer issue body with 422 ("body is too long (maximum is 65536 characters)"). */
export const GITHUB_BODY_LIMIT = 65_536;
/** And titles over 256 characters. */
const TITLE_LIMIT = 256;

const issueSchema = z.object({ number: z.number().int().positive(), html_url: z.string() });
/** GitHub's error body: {message, documentation_url, errors?: [{resource, field, code, message?}]}. */
const errorSchema = z.object({
  message: z.string().optional(),
  errors: z.array(z.union([z.string(), z.object({ field: z.string().optional(), code: z.string().optional(), message: z.string().optional() }).passthrough()])).optional(),
});

export interface GitHubIssuesOptions extends TicketHttpOptions {
  /** owner/name */
  repo: string;
  token: string;
  labels: readonly string[];
  /** https://api.github.com, or GitHub Enterprise's https://HOST/api/v3. */
  apiUrl: string;
}

/**
 * Post-mortems as GitHub issues (REST: POST /repos/{owner}/{repo}/issues, later PATCH …/issues/{number}).
 * The ref is "owner/name#number", so a ticket stays where it was filed even if the config's repo changes.
 * Action items need no calls of their own: they are the Markdown body's task list.
 */
export class GitHubIssues implements TicketSystem {
  readonly system = 'github';
  readonly label = 'GitHub';
  private readonly base: string;

  constructor(private readonly opts: GitHubIssuesOptions) {
    this.base = opts.apiUrl.replace(/\/+$/, '');
  }

  describe(ref: string): string {
    return `GitHub issue ${ref}`;
  }

  async create(_incidentId: string, draft: TicketDraft): Promise<FiledTicket> {
    const res = await this.request('POST', `/repos/${this.opts.repo}/issues`, {
      title: oneLine(draft.title, TITLE_LIMIT),
      body: fitBody(draft.markdown),
      ...(this.opts.labels.length > 0 ? { labels: [...this.opts.labels] } : {}),
    });
    if (res.status !== 201) throw this.refusal(res, 'create', this.opts.repo);
    const issue = this.issue(res);
    return { ref: `${this.opts.repo}#${issue.number}`, url: issue.html_url };
  }

  async update(_incidentId: string, ticket: FiledTicket, draft: TicketDraft): Promise<FiledTicket> {
    const m = /^(.+)#(\d+)$/.exec(ticket.ref);
    if (!m) throw new TicketError(`The stored GitHub ticket "${ticket.ref}" is not owner/name#number, so it cannot be updated.`);
    const [, repo, number] = m;
    // Labels are left alone on update: people may have changed them on the issue since.
    const res = await this.request('PATCH', `/repos/${repo}/issues/${number}`, { title: oneLine(draft.title, TITLE_LIMIT), body: fitBody(draft.markdown) });
    if (res.status !== 200) throw this.refusal(res, 'update', repo!, ticket.ref);
    return { ref: ticket.ref, url: this.issue(res).html_url };
  }

  private request(method: 'POST' | 'PATCH', path: string, body: unknown): Promise<TicketResponse> {
    return ticketRequest(
      {
        service: 'GitHub',
        method,
        url: `${this.base}${path}`,
        headers: {
          authorization: `Bearer ${this.opts.token}`,
          accept: 'application/vnd.github+json',
          'x-github-api-version': '2022-11-28',
          // GitHub refuses requests without a User-Agent.
          'user-agent': 'firebreak',
        },
        body,
      },
      this.opts,
    );
  }

  private issue(res: TicketResponse): z.infer<typeof issueSchema> {
    const parsed = issueSchema.safeParse(res.json);
    if (!parsed.success) throw new TicketError(`GitHub answered ${res.status} without an issue number and link, so Firebreak cannot tell where the issue is; check ${this.opts.repo}.`);
    return parsed.data;
  }

  private refusal(res: TicketResponse, op: 'create' | 'update', repo: string, ref?: string): TicketError {
    const body = errorSchema.safeParse(res.json);
    const message = ((body.success ? body.data.message : undefined) ?? (res.text.slice(0, 200) || 'no message')).replace(/\.$/, '');
    const details = body.success
      ? (body.data.errors ?? []).map((e) => (typeof e === 'string' ? e : (e.message ?? [e.field, e.code].filter(Boolean).join(' ')))).filter((s) => s.length > 0)
      : [];
    const said = `${res.status} ${message}${details.length > 0 ? `: ${details.join('; ')}` : ''}`;
    if (res.status === 401) return new TicketError(`GitHub refused the token (${said}): set a valid GITHUB_TOKEN with issues:write on ${repo}.`);
    if (rateLimited(res)) {
      return new TicketError(`GitHub is rate limiting this token (${res.status} ${message}); ${retryHint(res.headers)}.`);
    }
    if (res.status === 403) return new TicketError(`GitHub did not let the token write issues on ${repo} (${said}): give it issues:write there (fine-grained: Issues read and write; classic: repo).`);
    if (res.status === 404) {
      return op === 'create'
        ? new TicketError(`GitHub has no repository ${repo} that this token can see (${said}): check postmortems.github.repo and the token's repository access.`)
        : new TicketError(`GitHub issue ${ref} is gone or this token cannot see it (${said}); Firebreak does not file a second one.`);
    }
    if (res.status === 410) return new TicketError(`Issues are turned off on ${repo} (${said}): turn them on in the repository's settings.`);
    if (res.status >= 500) return new TicketError(`GitHub failed (${said}); press Retry later.`);
    return new TicketError(`GitHub refused to ${op} the issue (${said}).`);
  }
}

/** The whole draft when it fits; otherwise as much as fits, cut at a line, saying so at the end. */
export function fitBody(markdown: string): string {
  if (markdown.length <= GITHUB_BODY_LIMIT) return markdown;
  const note = `\n\n… (cut to fit GitHub's ${GITHUB_BODY_LIMIT.toLocaleString('en-US')}-character limit; the full draft is in Firebreak)`;
  const room = GITHUB_BODY_LIMIT - note.length;
  const cut = markdown.lastIndexOf('\n', room);
  return `${markdown.slice(0, cut > room / 2 ? cut : room)}${note}`;
}
