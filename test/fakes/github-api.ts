import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake received it: method, path, headers (auth included) and the JSON body. */
export interface ApiRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body text, exactly as sent. */
  raw: string;
  /** The body parsed as JSON; undefined when empty or not JSON. */
  body: unknown;
}

export interface FakeIssue {
  number: number;
  title: string;
  body: string;
  labels: string[];
}

export interface FakeGitHub {
  /** http://127.0.0.1:PORT: the api_url to configure. */
  url: string;
  requests: ApiRequest[];
  /** owner/name → its issues, in the order filed. */
  issues: Map<string, FakeIssue[]>;
  /** Tokens GitHub accepts; any other gets 401 Bad credentials (an expired or revoked token). */
  tokens: Set<string>;
  /** The next `count` requests get this answer instead (a 502, a 429 with Retry-After…). */
  failNext(status: number, body: unknown, opts?: { count?: number; headers?: Record<string, string> }): void;
  /** Creating an issue answers this much later (to let two replicas race). */
  createDelayMs: number;
  close(): Promise<void>;
}

const DOCS = 'https://docs.github.com/rest';

/**
 * A GitHub REST API on 127.0.0.1 for issues: POST /repos/{owner}/{repo}/issues (201 with number and
 * html_url), PATCH /repos/{owner}/{repo}/issues/{number} (200), GET of one issue. Bearer or token
 * auth; 401 {message: "Bad credentials"} for a token it does not know, 404 for an unknown repository
 * or issue, 422 Validation Failed for a missing title or a body over 65,536 characters.
 */
export async function startFakeGitHub(opts: { repos: string[]; tokens: string[] }): Promise<FakeGitHub> {
  const issues = new Map<string, FakeIssue[]>(opts.repos.map((r) => [r, []]));
  const requests: ApiRequest[] = [];
  const tokens = new Set(opts.tokens);
  const failures: { status: number; body: unknown; headers: Record<string, string> }[] = [];
  let url = '';
  const fake: Omit<FakeGitHub, 'url' | 'close'> = {
    requests,
    issues,
    tokens,
    createDelayMs: 0,
    failNext(status, body, o = {}) {
      for (let i = 0; i < (o.count ?? 1); i++) failures.push({ status, body, headers: o.headers ?? {} });
    },
  };
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };
  const view = (repo: string, i: FakeIssue) => ({
    id: 1000 + i.number,
    node_id: `I_${i.number}`,
    number: i.number,
    title: i.title,
    body: i.body,
    labels: i.labels.map((name, k) => ({ id: k + 1, name })),
    state: 'open',
    url: `${url}/repos/${repo}/issues/${i.number}`,
    html_url: `https://github.example/${repo}/issues/${i.number}`,
  });

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
      const token = /^(?:Bearer|token)\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!token || !tokens.has(token)) return send(res, 401, { message: 'Bad credentials', documentation_url: DOCS, status: '401' });
      const m = /^\/repos\/([^/]+\/[^/]+)\/issues(?:\/(\d+))?$/.exec(path);
      const list = m ? issues.get(m[1]!) : undefined;
      if (!m || !list) return send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      const repo = m[1]!;
      const fields = (body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown };
      const tooLong = typeof fields.body === 'string' && fields.body.length > 65_536;
      const invalid = (field: string, message?: string) =>
        send(res, 422, { message: 'Validation Failed', errors: [{ resource: 'Issue', code: message ? 'custom' : 'missing_field', field, ...(message ? { message } : {}) }], documentation_url: DOCS, status: '422' });
      if (method === 'POST' && !m[2]) {
        if (typeof fields.title !== 'string' || fields.title === '') return invalid('title');
        if (tooLong) return invalid('body', 'body is too long (maximum is 65536 characters)');
        const issue: FakeIssue = {
          number: list.length + 1,
          title: fields.title,
          body: typeof fields.body === 'string' ? fields.body : '',
          labels: Array.isArray(fields.labels) ? fields.labels.map(String) : [],
        };
        list.push(issue);
        const reply = () => send(res, 201, view(repo, issue), { location: `${url}/repos/${repo}/issues/${issue.number}` });
        if (fake.createDelayMs > 0) setTimeout(reply, fake.createDelayMs);
        else reply();
        return;
      }
      const issue = m[2] ? list.find((i) => i.number === Number(m[2])) : undefined;
      if (!issue) return send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
      if (method === 'GET') return send(res, 200, view(repo, issue));
      if (method === 'PATCH') {
        if (tooLong) return invalid('body', 'body is too long (maximum is 65536 characters)');
        if (typeof fields.title === 'string') issue.title = fields.title;
        if (typeof fields.body === 'string') issue.body = fields.body;
        if (Array.isArray(fields.labels)) issue.labels = fields.labels.map(String);
        return send(res, 200, view(repo, issue));
      }
      send(res, 404, { message: 'Not Found', documentation_url: DOCS, status: '404' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(fake, {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as FakeGitHub;
}
