import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The exact bytes received: signature checks (Slack, Discord) need them unparsed. */
  rawBody: Buffer;
  remoteAddress: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export type RouteHandler = (req: HttpRequest, res: ServerResponse) => Promise<HttpResponse | void>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: (req: HttpRequest & { params: Record<string, string> }, res: ServerResponse) => Promise<HttpResponse | void>;
}

/** A malformed escape (`%E0%A4%A`) is kept as sent: decodeURIComponent would throw in the request listener. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Tiny method + path router; `:name` segments become params. Platforms add their own routes. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: Route['handler']): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([a-zA-Z]+)/g, (_, k: string) => {
        keys.push(k);
        return '([^/]+)';
      })}$`,
    );
    this.routes.push({ method: method.toUpperCase(), pattern, keys, handler });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | 'method-not-allowed' | null {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.keys.forEach((k, i) => (params[k] = decodeSegment(m[i + 1] ?? '')));
      return { route, params };
    }
    return pathMatched ? 'method-not-allowed' : null;
  }
}
