import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiRequest } from './github-api.js';

export interface FakeJiraIssue {
  id: string;
  key: string;
  project: string;
  issueType: string;
  summary: string;
  /** The ADF doc as received. */
  description: unknown;
  /** The parent's key, for a sub-task. */
  parent: string | null;
}

export interface FakeJira {
  /** http://127.0.0.1:PORT: the site url to configure. */
  url: string;
  requests: ApiRequest[];
  issues: FakeJiraIssue[];
  /** email → API token Jira accepts; anything else is 401. */
  users: Map<string, string>;
  failNext(status: number, body: unknown, opts?: { count?: number; headers?: Record<string, string> }): void;
  close(): Promise<void>;
}

/** Node types Jira's ADF validator knows (the ones a post-mortem uses, and a few more). */
const ADF_NODES = new Set([
  'doc', 'paragraph', 'text', 'heading', 'bulletList', 'orderedList', 'listItem', 'codeBlock', 'blockquote', 'rule', 'hardBreak',
  'table', 'tableRow', 'tableHeader', 'tableCell', 'taskList', 'taskItem', 'panel', 'inlineCard', 'mention', 'emoji', 'date', 'status',
]);

function adfProblem(node: unknown, path = 'description'): string | null {
  if (!node || typeof node !== 'object') return `${path} is not a node`;
  const n = node as { type?: unknown; content?: unknown; text?: unknown };
  if (typeof n.type !== 'string' || !ADF_NODES.has(n.type)) return `${path} has an unknown node type ${JSON.stringify(n.type)}`;
  if (n.type === 'text' && typeof n.text !== 'string') return `${path} is a text node without text`;
  if (n.content !== undefined) {
    if (!Array.isArray(n.content)) return `${path}.content is not an array`;
    for (const [i, c] of n.content.entries()) {
      const p = adfProblem(c, `${path}.content[${i}]`);
      if (p) return p;
    }
  }
  return null;
}

/**
 * Jira Cloud's REST API v3 for issues on 127.0.0.1: POST /rest/api/3/issue (201 {id, key, self}),
 * PUT /rest/api/3/issue/{key} (204), GET /rest/api/3/issue/{key}. Basic auth email:token (401 with
 * Jira's plain-text body otherwise); 400 {errorMessages, errors} for a project or issue type it does
 * not have, a description that is not an ADF doc, a sub-task without a valid parent, a long summary.
 */
export async function startFakeJira(opts: { projects: Record<string, { issueTypes: string[]; subtaskTypes: string[] }>; users: Record<string, string> }): Promise<FakeJira> {
  const requests: ApiRequest[] = [];
  const issues: FakeJiraIssue[] = [];
  const users = new Map(Object.entries(opts.users));
  const failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  const counters = new Map<string, number>();
  let url = '';
  const send = (res: ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8', ...headers });
    res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  };
  const bad = (res: ServerResponse, errors: Record<string, string>, errorMessages: string[] = []) => send(res, 400, { errorMessages, errors });

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      const path = (req.url ?? '').split('?')[0]!;
      const method = req.method ?? '';
      requests.push({ method, path, headers: req.headers, raw, body });
      const failure = failures.shift();
      if (failure) return send(res, failure.status, failure.body, failure.headers);
      const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      const [email, ...rest] = basic ? Buffer.from(basic, 'base64').toString('utf8').split(':') : [];
      if (!email || users.get(email) !== rest.join(':')) return send(res, 401, 'Client must be authenticated to access this resource.');

      const f = ((body as { fields?: unknown } | undefined)?.fields ?? {}) as {
        project?: { key?: unknown };
        issuetype?: { name?: unknown };
        summary?: unknown;
        description?: unknown;
        parent?: { key?: unknown };
      };
      const checkCommon = (): Record<string, string> => {
        const errors: Record<string, string> = {};
        if (f.summary !== undefined && (typeof f.summary !== 'string' || f.summary.trim() === '')) errors.summary = 'You must specify a summary of the issue.';
        else if (typeof f.summary === 'string' && (f.summary.length > 254 || /[\r\n]/.test(f.summary))) errors.summary = 'Summary must be less than 255 characters.';
        if (f.description !== undefined) {
          const d = f.description as { type?: unknown; version?: unknown } | null;
          const problem = !d || typeof d !== 'object' || d.type !== 'doc' || d.version !== 1 ? 'not a doc of version 1' : adfProblem(d);
          if (problem) errors.description = `Operation value must be an Atlassian Document (see the Atlassian Document Format): ${problem}`;
        }
        return errors;
      };

      if (method === 'POST' && path === '/rest/api/3/issue') {
        const key = typeof f.project?.key === 'string' ? f.project.key : '';
        const project = opts.projects[key];
        if (!project) return bad(res, { project: 'valid project is required' });
        const type = typeof f.issuetype?.name === 'string' ? f.issuetype.name : '';
        const isSubtask = project.subtaskTypes.includes(type);
        if (!isSubtask && !project.issueTypes.includes(type)) return bad(res, { issuetype: 'Specify a valid issue type' });
        if (typeof f.summary !== 'string') return bad(res, { summary: 'You must specify a summary of the issue.' });
        const errors = checkCommon();
        let parent: string | null = null;
        if (isSubtask) {
          parent = typeof f.parent?.key === 'string' ? f.parent.key : null;
          if (!parent || !issues.some((i) => i.key === parent && i.parent === null)) errors.parent = 'Given parent work item does not belong to appropriate hierarchy.';
        } else if (f.parent) errors.parent = 'Given parent work item does not belong to appropriate hierarchy.';
        if (Object.keys(errors).length > 0) return bad(res, errors);
        const n = (counters.get(key) ?? 0) + 1;
        counters.set(key, n);
        const issue: FakeJiraIssue = { id: String(10_000 + issues.length), key: `${key}-${n}`, project: key, issueType: type, summary: f.summary, description: f.description ?? null, parent };
        issues.push(issue);
        return send(res, 201, { id: issue.id, key: issue.key, self: `${url}/rest/api/3/issue/${issue.id}` });
      }
      const m = /^\/rest\/api\/3\/issue\/([^/]+)$/.exec(path);
      const issue = m ? issues.find((i) => i.key === decodeURIComponent(m[1]!) || i.id === m[1]) : undefined;
      if (!issue) return send(res, 404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
      if (method === 'GET') return send(res, 200, { id: issue.id, key: issue.key, fields: { summary: issue.summary, description: issue.description } });
      if (method === 'PUT') {
        const errors = checkCommon();
        if (Object.keys(errors).length > 0) return bad(res, errors);
        if (typeof f.summary === 'string') issue.summary = f.summary;
        if (f.description !== undefined) issue.description = f.description;
        return send(res, 204);
      }
      send(res, 405, { errorMessages: [`${method} is not supported here`], errors: {} });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    issues,
    users,
    failNext(status, body, o = {}) {
      for (let i = 0; i < (o.count ?? 1); i++) failures.push({ status, body, headers: o.headers ?? {} });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
