import { request, type IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { Placement } from '../../core/placement.js';
import type { ConsoleChanges } from '../../core/console-messages.js';
import type { Reply } from '../../core/reply.js';
import { MAX_BODY_BYTES } from '../../http/server.js';
import { REMOTE_CHANGES_PATH, REMOTE_PATH, REMOTE_STREAM_TYPE, type ServerInfo } from './remote-endpoint.js';

/**
 * Only connecting is timed: a loopback server that is up accepts at once, while the command itself
 * may rightly run for many minutes (a rollout, a backup), so the response gets no deadline.
 */
export const CONNECT_TIMEOUT_MS = 5_000;

const replySchema = z.custom<Reply>((v) => typeof v === 'object' && v !== null && 'title' in v);

export const remoteResultSchema = z.object({
  invocationId: z.string(),
  status: z.enum(['ok', 'failed', 'invalid', 'denied', 'pending', 'cancelled']),
  reply: replySchema,
  placement: z.custom<Placement>((v) => typeof v === 'object' && v !== null && 'kind' in v).optional(),
  sourceUpdate: replySchema.optional(),
  exitCode: z.number().int(),
});
export type RemoteResult = z.infer<typeof remoteResultSchema>;

const errorBodySchema = z.object({ error: z.string().min(1) });

export type RemoteOutcome =
  | { kind: 'result'; result: RemoteResult }
  /** The server refused the request itself (4xx): bad input, not a failure of the command. */
  | { kind: 'refused'; message: string }
  | { kind: 'unreachable'; message: string }
  | { kind: 'server-error'; message: string };

export interface RemoteRequest {
  /** The console user: the OS user or the `--as` name. */
  as: string;
  /** The OS user running this firebreak. */
  osUser: string;
  text?: string;
  actionId?: string;
  /** The console channel of the posted message whose button is pressed. */
  channelId?: string;
  yes: boolean;
  /** The incident entered: what runs counts for it. */
  incident?: string;
}

/** Called with each progress update of a forwarded command, as the server sends it. */
export type OnProgress = (reply: Reply) => void;

/** Sends one console invocation to the running server (see remote-endpoint.ts) and says what came back. */
export async function forwardToServer(info: ServerInfo, body: RemoteRequest, connectTimeoutMs = CONNECT_TIMEOUT_MS, onProgress?: OnProgress): Promise<RemoteOutcome> {
  return (await send(info, body, connectTimeoutMs, onProgress)).outcome;
}

/**
 * forwardToServer for a session that outlives the server it first found (an open `firebreak console`):
 * a restarted server has a new token (401) and often a new port (connection refused). Neither ran the
 * command, so the server's info is read again (`reread`) and the command sent once more to the new one.
 * Returns the info to use from now on.
 */
export async function forwardToCurrentServer(
  info: ServerInfo,
  reread: () => ServerInfo | null,
  body: RemoteRequest,
  connectTimeoutMs = CONNECT_TIMEOUT_MS,
  onProgress?: OnProgress,
): Promise<{ outcome: RemoteOutcome; info: ServerInfo }> {
  const first = await send(info, body, connectTimeoutMs, onProgress);
  const tokenRefused = first.httpStatus === 401;
  if (!tokenRefused && !(first.outcome.kind === 'unreachable' && !first.sent)) return { outcome: first.outcome, info };
  const fresh = reread();
  if (fresh && (fresh.token !== info.token || fresh.port !== info.port)) return { outcome: (await send(fresh, body, connectTimeoutMs, onProgress)).outcome, info: fresh };
  if (tokenRefused) {
    return { outcome: { kind: 'refused', message: "The console token does not match the running server's, and the data dir holds no newer one: restart the console (with the same FIREBREAK_DATA_DIR as the server)." }, info };
  }
  return { outcome: first.outcome, info };
}

/** One attempt; `sent`: the connection was made (the server may have the command); httpStatus: its answer's status. */
function send(info: ServerInfo, body: RemoteRequest, connectTimeoutMs: number, onProgress?: OnProgress): Promise<{ outcome: RemoteOutcome; sent: boolean; httpStatus?: number }> {
  // Asked to stream only when someone shows the updates; an older server ignores the field and answers once.
  const payload = Buffer.from(JSON.stringify(onProgress ? { ...body, stream: true } : body));
  if (payload.length > MAX_BODY_BYTES) {
    // The server would drop the connection mid-upload rather than answer, so say it here.
    return Promise.resolve({ sent: false, outcome: { kind: 'refused', message: `The command is too long to send to the running Firebreak server (${payload.length} bytes; at most ${MAX_BODY_BYTES}).` } });
  }
  return new Promise((resolve) => {
    const controller = new AbortController();
    let sent = false;
    const connectTimer = setTimeout(() => controller.abort(), connectTimeoutMs);
    const req = request(
      {
        host: '127.0.0.1',
        port: info.port,
        path: REMOTE_PATH,
        method: 'POST',
        // A fresh connection, so 'connect' below always fires and ends the connect deadline.
        agent: false,
        signal: controller.signal,
        headers: { 'content-type': 'application/json', 'content-length': payload.length, 'x-firebreak-token': info.token },
      },
      (res) => {
        if (onProgress && res.statusCode === 200 && String(res.headers['content-type'] ?? '').startsWith(REMOTE_STREAM_TYPE)) {
          readStream(res, info, onProgress, (outcome) => resolve({ sent: true, httpStatus: 200, outcome }));
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', (err) => resolve({ sent: true, outcome: { kind: 'unreachable', message: `The running Firebreak server on port ${info.port} closed the connection: ${err.message}` } }));
        res.once('end', () => resolve({ sent: true, httpStatus: res.statusCode, outcome: interpret(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')) }));
      },
    );
    req.once('socket', (socket) =>
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        sent = true;
      }),
    );
    req.once('close', () => clearTimeout(connectTimer));
    req.once('error', (err: NodeJS.ErrnoException) => {
      if (sent) {
        // The server had the command: it may be running it right now. "Cannot reach" would invite
        // a retry that rolls back or restores a second time.
        resolve({ sent: true, outcome: { kind: 'unreachable', message: `The connection to the running Firebreak server on port ${info.port} was lost while the command ran (${err.message}); it may have run. Check the timeline before running it again.` } });
        return;
      }
      const why = controller.signal.aborted ? `no connection within ${connectTimeoutMs / 1000} s` : err.code === 'ECONNREFUSED' ? 'connection refused' : err.message;
      resolve({ sent: false, outcome: { kind: 'unreachable', message: `Cannot reach the running Firebreak server on port ${info.port}: ${why}.` } });
    });
    req.end(payload);
  });
}

const streamLineSchema = z.union([
  z.object({ progress: replySchema }),
  z.object({ result: remoteResultSchema }),
  z.object({ error: z.string() }),
]);

/** A streamed answer: progress lines handed on as they come, then the result (see REMOTE_STREAM_TYPE). */
function readStream(res: IncomingMessage, info: ServerInfo, onProgress: OnProgress, done: (outcome: RemoteOutcome) => void): void {
  let buffered = '';
  let outcome: RemoteOutcome | undefined;
  const take = (text: string) => {
    if (text.trim() === '') return;
    const parsed = streamLineSchema.safeParse(safeJson(text));
    if (!parsed.success) {
      outcome ??= { kind: 'server-error', message: 'The running Firebreak server sent a reply this version of firebreak does not understand; are both the same version?' };
    } else if ('progress' in parsed.data) {
      onProgress(parsed.data.progress);
    } else if ('result' in parsed.data) {
      outcome = { kind: 'result', result: parsed.data.result };
    } else {
      outcome = { kind: 'server-error', message: `The running Firebreak server failed to run the command: ${parsed.data.error}.` };
    }
  };
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      take(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
  });
  const lost = (why: string): RemoteOutcome => ({
    kind: 'unreachable',
    message: `The connection to the running Firebreak server on port ${info.port} was lost while the command ran (${why}); it may have run. Check the timeline before running it again.`,
  });
  res.once('error', (err) => done(outcome ?? lost(err.message)));
  res.once('end', () => {
    take(buffered);
    done(outcome ?? lost('the answer ended before the result'));
  });
}

function interpret(status: number, text: string): RemoteOutcome {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (status >= 200 && status < 300) {
    const parsed = remoteResultSchema.safeParse(json);
    return parsed.success ? { kind: 'result', result: parsed.data } : { kind: 'server-error', message: 'The running Firebreak server sent a reply this version of firebreak does not understand; are both the same version?' };
  }
  const said = errorBodySchema.safeParse(json);
  if (status >= 400 && status < 500) return { kind: 'refused', message: said.success ? said.data.error : `The running Firebreak server refused the command (HTTP ${status}).` };
  return { kind: 'server-error', message: `The running Firebreak server failed to run the command (HTTP ${status})${said.success ? `: ${said.data.error}` : '.'}` };
}

const changesSchema = z.object({
  version: z.number().int().nonnegative(),
  messages: z.array(
    z.object({
      id: z.number().int(),
      channel: z.object({ id: z.string(), name: z.string() }).nullable(),
      threadParentId: z.number().int().nullable(),
      privateTo: z.string().nullable(),
      reply: replySchema,
      pinned: z.boolean(),
      createdAt: z.coerce.date(),
      updatedAt: z.coerce.date(),
      createdVersion: z.number().int(),
      version: z.number().int(),
    }),
  ),
});
export type { ConsoleChanges };

/**
 * The console platform's messages posted or changed since `since` that `user` may see, from the
 * running server (omit `since` for just the current version). A poll, so the whole request is timed;
 * failures are thrown as one sentence.
 */
export async function fetchConsoleChanges(info: ServerInfo, user: { as: string; osUser: string }, since?: number, timeoutMs = CONNECT_TIMEOUT_MS): Promise<ConsoleChanges> {
  let res: Response;
  try {
    res = await fetch(`http://127.0.0.1:${info.port}${REMOTE_CHANGES_PATH}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-firebreak-token': info.token },
      body: JSON.stringify({ as: user.as, osUser: user.osUser, since }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : cause === 'ECONNREFUSED' ? 'connection refused' : (err as Error).message;
    throw new Error(`Cannot reach the running Firebreak server on port ${info.port}: ${why}.`);
  }
  const text = await res.text();
  if (!res.ok) {
    const said = errorBodySchema.safeParse(safeJson(text));
    throw new Error(`The running Firebreak server did not send the console's messages (HTTP ${res.status})${said.success ? `: ${said.data.error}` : '.'}`);
  }
  const parsed = changesSchema.safeParse(safeJson(text));
  if (!parsed.success) throw new Error('The running Firebreak server sent messages this version of firebreak does not understand; are both the same version?');
  return parsed.data;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
