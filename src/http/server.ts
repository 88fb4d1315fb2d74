import { createServer, type Server } from 'node:http';
import type { Logger } from '../core/ports.js';
import type { HttpRequest, Router } from './router.js';

/** Bodies above this are refused before they are read whole: no webhook or interaction is near it. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** The one HTTP server: webhooks, interactions, health and metrics all share it. */
export async function startHttpServer(router: Router, port: number, logger: Logger, host?: string): Promise<RunningServer> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (match === null || match === 'method-not-allowed') {
      req.resume();
      res.writeHead(match === null ? 404 : 405, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: match === null ? 'not found' : 'method not allowed' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => {});
    req.on('close', () => {
      if (tooLarge && !res.headersSent) {
        res.writeHead(413).end();
      }
    });
    req.on('end', () => {
      if (tooLarge) return;
      const request: HttpRequest & { params: Record<string, string> } = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        rawBody: Buffer.concat(chunks),
        remoteAddress: req.socket.remoteAddress ?? '',
        params: match.params,
      };
      match.route
        .handler(request, res)
        .then((out) => {
          if (!out || res.headersSent) return;
          res.writeHead(out.status, out.headers ?? {});
          res.end(out.body ?? '');
        })
        .catch((err: unknown) => {
          logger.error({ err, path: url.pathname }, 'HTTP handler failed');
          if (!res.headersSent) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: 'internal error' }));
          }
        });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    port: actualPort,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export const json = (status: number, body: unknown): { status: number; headers: Record<string, string>; body: string } => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
