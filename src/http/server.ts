import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '../core/ports.js';
import { parseRequestTarget } from './request-target.js';
import type { HttpRequest, Router } from './router.js';

/** Bodies above this are refused before they are read whole: no webhook or interaction is near it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * How long a client may take. Node's defaults (300 s for a request) let a client that declares a
 * large body and stalls hold a connection for five minutes; nothing Slack, Discord or Alertmanager
 * sends takes more than a second to arrive.
 */
export interface HttpTimeouts {
  /** The whole request, headers and body, must have arrived within this. */
  requestTimeoutMs: number;
  /** The headers must have arrived within this (at most requestTimeoutMs). */
  headersTimeoutMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, keepAliveTimeoutMs: 5_000 };

const TOO_LARGE_BODY = JSON.stringify({ error: `request body is larger than ${MAX_BODY_BYTES / (1024 * 1024)} MB` });

export interface RunningServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export function isLoopback(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** listen() failed: the port is taken or needs privileges. The message names the port; callers add what to do. */
export class ListenError extends Error {
  override name = 'ListenError';
  constructor(
    readonly port: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function listenError(err: NodeJS.ErrnoException, port: number, host: string | undefined): Error {
  const where = host ? `${host}:${port}` : `port ${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return new ListenError(port, err.code, `${where} is already in use`);
    case 'EACCES':
      return new ListenError(port, err.code, `${where} needs privileges this process does not have (ports below 1024 usually do)`);
    case 'EADDRNOTAVAIL':
      return new ListenError(port, err.code, `${host ?? 'this address'} is not an address of this machine`);
    default:
      return err;
  }
}

/**
 * Refuses an oversized body with a 413 the client can read. Destroying the request instead resets
 * the connection, which Slack counts as a failed delivery and retries. Connection: close makes Node
 * close the socket once the response is flushed; until then the rest of the body is read and dropped.
 */
function refuseTooLarge(res: ServerResponse): void {
  if (res.headersSent) return;
  res.writeHead(413, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(TOO_LARGE_BODY), connection: 'close' });
  res.end(TOO_LARGE_BODY);
}

const BAD_TARGET = JSON.stringify({ error: 'malformed request target' });

/** A request-target that is not a path (`//[`, `http://[`, `*`): 400, and the connection is closed. */
function refuseBadTarget(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BAD_TARGET), connection: 'close' });
  res.end(BAD_TARGET);
}

/** An unexpected error is logged with the path and answered 500; the error itself never reaches the client. */
function answerInternalError(logger: Logger, err: unknown, path: string | undefined, res: ServerResponse): void {
  try {
    logger.error({ err, path: path?.slice(0, 200) }, 'HTTP handler failed');
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'internal error' }));
    } else if (!res.writableEnded) {
      res.destroy();
    }
  } catch {
    res.destroy();
  }
}

function handleRequest(router: Router, logger: Logger, req: IncomingMessage, res: ServerResponse): void {
  const target = parseRequestTarget(req.url);
  if (target === null) {
    refuseBadTarget(req, res);
    return;
  }
  const match = router.match(req.method ?? 'GET', target.pathname);
  if (match === null || match === 'method-not-allowed') {
    req.resume();
    res.writeHead(match === null ? 404 : 405, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: match === null ? 'not found' : 'method not allowed' }));
    return;
  }
  let chunks: Buffer[] = [];
  let size = 0;
  // A declared length over the limit is refused before a byte of the body is read.
  let tooLarge = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
  if (tooLarge) refuseTooLarge(res);
  req.on('data', (c: Buffer) => {
    if (tooLarge) return;
    size += c.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true;
      chunks = [];
      refuseTooLarge(res);
      return;
    }
    chunks.push(c);
  });
  req.on('error', () => {});
  req.on('end', () => {
    if (tooLarge) return;
    // Inside a promise, so a handler that throws before its first await is a 500 like any other.
    Promise.resolve()
      .then(() => {
        const request: HttpRequest & { params: Record<string, string> } = {
          method: req.method ?? 'GET',
          path: target.pathname,
          query: target.query,
          headers: req.headers,
          rawBody: Buffer.concat(chunks),
          remoteAddress: req.socket.remoteAddress ?? '',
          params: match.params,
        };
        return match.route.handler(request, res);
      })
      .then((out) => {
        if (!out || res.headersSent) return;
        res.writeHead(out.status, out.headers ?? {});
        res.end(out.body ?? '');
      })
      .catch((err: unknown) => answerInternalError(logger, err, target.pathname, res));
  });
}

/** The one HTTP server: webhooks, interactions, health and metrics all share it. */
export async function startHttpServer(
  router: Router,
  port: number,
  logger: Logger,
  host?: string,
  timeouts: Partial<HttpTimeouts> = {},
): Promise<RunningServer> {
  const t = { ...DEFAULT_HTTP_TIMEOUTS, ...timeouts };
  const server = createServer(
    {
      requestTimeout: t.requestTimeoutMs,
      headersTimeout: Math.min(t.headersTimeoutMs, t.requestTimeoutMs),
      keepAliveTimeout: t.keepAliveTimeoutMs,
      // Node checks the two timeouts above only this often (default 30 s).
      connectionsCheckingInterval: Math.max(50, Math.min(5_000, Math.floor(t.requestTimeoutMs / 4))),
    },
    (req, res) => {
      try {
        handleRequest(router, logger, req, res);
      } catch (err) {
        // Nothing a client sends may end the process: whatever slipped through is this request's 500.
        answerInternalError(logger, err, req.url, res);
      }
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, port, host)));
    server.listen(port, host, () => resolve());
  });
  // Once listening, a server error (accept failing with EMFILE when file descriptors run out) is
  // logged: without a listener it would be an unhandled 'error' event and end the process.
  server.on('error', (err) => logger.error({ err }, 'HTTP server error'));
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
