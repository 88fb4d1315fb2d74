import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, writeFileSync, unlinkSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { ConsoleMessageStore } from '../../core/console-messages.js';
import type { ChatPlatformPort } from '../../core/chat-port.js';
import type { InvocationDispatcher } from '../../core/invocation.js';
import { InFlightWork } from '../../core/delivery.js';
import type { Logger } from '../../core/ports.js';
import type { Reply } from '../../core/reply.js';
import { cut } from '../../core/text-format.js';
import { placeOnConsole } from './delivery.js';
import { namedPlacement } from './named-placement.js';
import { exitCodeFor } from '../../core/outcome.js';
import type { HttpRequest, HttpResponse, Router } from '../../http/router.js';
import { isLoopback, json } from '../../http/server.js';
import { consoleActor, consoleChannelFor, consoleUserFor } from './identity.js';

/**
 * While `firebreak start` holds the embedded store, `firebreak run` and `console` in another
 * terminal send their commands here instead of failing on the lock. Loopback only, and the
 * caller must read a token from the data dir: being on the machine is not enough.
 */
export const REMOTE_PATH = '/internal/console/run';
/** What the console platform's messages did since a version: `firebreak console` polls it to show posts as they arrive. */
export const REMOTE_CHANGES_PATH = '/internal/console/changes';
/** Changes per answer; a console that fell further behind gets the rest on its next poll. */
export const CHANGES_PAGE = 200;

/** Messages a console shows when it opens: what was posted before (an incident already under way). */
export const RECENT_ON_OPEN = 10;

/** How `--as` may name the console user; the CLI checks the same rule before running in-process or forwarding. */
export const consoleUserSchema = z
  .string()
  .min(1, '--as needs a user name, e.g. --as alice.')
  .max(100, '--as takes a user name of at most 100 characters.')
  .regex(/^[^\p{Cc}]+$/u, '--as takes a user name without control characters, e.g. --as alice.')
  .refine((s) => s.trim() !== '', '--as needs a user name, e.g. --as alice.');

export const remoteRequestSchema = z.object({
  /** The console user: the OS user, or an `--as` name (which the server's console.allow_as must allow). */
  as: consoleUserSchema,
  /** The OS user who ran `firebreak run` (see checkCaller for why it is taken as given). */
  osUser: consoleUserSchema,
  // No length limit here beyond the server's body cap: the dispatcher's parser rejects long text with
  // the same sentence, exit code and timeline row as in-process, which a 400 here would not give.
  text: z.string().optional(),
  actionId: z.string().max(200).optional(),
  /** The console channel of the posted message whose button was pressed. */
  channelId: z.string().min(1).max(100).optional(),
  /** The posted message whose button was pressed: placement updates it (or threads under it) for everyone. */
  messageId: z.string().min(1).max(40).optional(),
  yes: z.boolean().default(false),
  /** Secret params (`firebreak run --secret NAME=ENV_VAR`): passed beside the text, never in it. */
  secrets: z.record(z.string().max(64), z.string().max(4000)).optional(),
  /** The incident entered (`firebreak run --incident`, the console's `/incident use`): the dispatcher checks it exists. */
  incident: z.string().min(1).max(40).optional(),
  /**
   * Answer as NDJSON (REMOTE_STREAM_TYPE): one `{"progress": Reply}` line per progress update as it
   * happens, then `{"result": …}`, so a forwarded command shows progress exactly as in-process.
   * Left out (an older client): one JSON answer at the end.
   */
  stream: z.boolean().default(false),
});

/** The content type of a streamed answer: newline-delimited JSON. */
export const REMOTE_STREAM_TYPE = 'application/x-ndjson';

export const remoteChangesRequestSchema = z.object({
  as: consoleUserSchema,
  osUser: consoleUserSchema,
  /** Omitted: only the current version comes back, the point a new console starts showing from. */
  since: z.number().int().nonnegative().optional(),
});

export interface ServerInfo {
  pid: number;
  port: number;
  token: string;
}

const infoFile = (dataDir: string) => join(dataDir, 'server.json');

export function newConsoleToken(): string {
  return randomBytes(24).toString('hex');
}

export function writeServerInfo(dataDir: string, port: number, token: string): { remove(): void } {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(infoFile(dataDir), JSON.stringify({ pid: process.pid, port, token } satisfies ServerInfo), { mode: 0o600 });
  return {
    remove: () => {
      try {
        unlinkSync(infoFile(dataDir));
      } catch {
        /* gone */
      }
    },
  };
}

export function readServerInfo(dataDir: string): ServerInfo | null {
  try {
    const parsed = z.object({ pid: z.number().int(), port: z.number().int(), token: z.string().min(16) }).safeParse(JSON.parse(readFileSync(infoFile(dataDir), 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The caller's request body, or the answer that refuses it: loopback, the data dir's token, JSON.
 * The token is in a file only the data dir's owner can read (0600), so a caller is that OS user or
 * root, who own the embedded store outright: the OS user a caller names is recorded as given.
 */
function checkCaller(req: HttpRequest, expected: Buffer): { body: unknown } | { refusal: HttpResponse } {
  if (!isLoopback(req.remoteAddress)) return { refusal: json(403, { error: 'The console endpoint only accepts connections from this machine.' }) };
  const given = Buffer.from(String(req.headers['x-firebreak-token'] ?? ''));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { refusal: json(401, { error: "The console token does not match the running server's: is FIREBREAK_DATA_DIR the same as the server's?" }) };
  }
  try {
    return { body: JSON.parse(req.rawBody.toString('utf8')) };
  } catch {
    return { refusal: json(400, { error: 'The console request must be JSON.' }) };
  }
}

/** The server's own config decides whether `--as` is allowed, whatever the caller's config says. */
function consoleUserOf(r: { as: string; osUser: string }, allowAs: boolean): { name: string } | { refusal: HttpResponse } {
  const user = consoleUserFor(r.as, r.osUser, allowAs);
  return 'refusal' in user ? { refusal: json(403, { error: user.refusal }) } : user;
}

/**
 * The endpoints `firebreak run` and `firebreak console` forward to. The returned work is what
 * shutdown waits for: a forwarded command's reply (also "interrupted by shutdown") reaches the
 * person before the server closes its connections.
 */
export function registerRemoteConsole(
  router: Router,
  deps: { dispatcher: InvocationDispatcher; messages: ConsoleMessageStore; port: ChatPlatformPort; allowAs: boolean; logger?: Logger },
  token: string,
): InFlightWork {
  const expected = Buffer.from(token);
  const inFlight = new InFlightWork(deps.logger ?? { debug() {}, info() {}, warn() {}, error() {} });
  router.add('POST', REMOTE_PATH, async (req, res) => {
    const caller = checkCaller(req, expected);
    if ('refusal' in caller) return caller.refusal;
    const parsed = remoteRequestSchema.safeParse(caller.body);
    if (!parsed.success) return json(400, { error: parsed.error.issues[0]?.message ?? 'The console request is not valid.' });
    // Empty text is still text: the parser answers it ("Empty command …") and the timeline records it.
    if ((parsed.data.text === undefined) === (parsed.data.actionId === undefined)) return json(400, { error: 'The console request needs exactly one of "text" or "actionId".' });
    const r = parsed.data;
    const user = consoleUserOf(r, deps.allowAs);
    if ('refusal' in user) return user.refusal;
    const channel = await consoleChannelFor(deps.messages, r.channelId);
    if (!channel) return json(400, { error: `There is no console channel ${r.channelId}; press a button shown in this console.` });
    if (r.stream) {
      res.writeHead(200, { 'content-type': REMOTE_STREAM_TYPE, 'cache-control': 'no-store' });
      // Sent at once, so the caller knows the command was received before the first update comes.
      res.flushHeaders();
    }
    const line = (value: unknown) => {
      if (!res.destroyed) res.write(`${JSON.stringify(value)}\n`);
    };
    // Replies reaching a sink are already redacted (command-context.ts), as the in-process printer gets them.
    const sink = r.stream ? { progress: async (reply: Reply) => line({ progress: reply }) } : undefined;
    const answered = (async () => {
      const result = await deps.dispatcher.dispatch(
        {
          actor: consoleActor(user.name, r.osUser),
          channel,
          input: r.actionId !== undefined ? { kind: 'action', actionId: r.actionId } : { kind: 'text', text: r.text ?? '' },
          autoConfirm: r.yes,
          ...(r.secrets ? { secrets: new Map(Object.entries(r.secrets)) } : {}),
          ...(r.incident !== undefined ? { enteredIncidentId: r.incident } : {}),
        },
        sink,
      );
      if (r.actionId !== undefined && r.messageId !== undefined) {
        await placeOnConsole(deps.port, { platform: 'console', channelId: channel.id, messageId: r.messageId }, channel.id, result).catch(() => {
          // The presser still gets the result; the stored card stays as it was (it may have been removed).
        });
      }
      return namedPlacement(result, deps.messages);
    })();
    inFlight.track(`console: ${r.actionId ?? cut(r.text ?? '', 60)}`, answered.then(() => {}));
    if (!r.stream) {
      const result = await answered;
      return json(200, { ...result, exitCode: exitCodeFor(result.status) });
    }
    try {
      const result = await answered;
      line({ result: { ...result, exitCode: exitCodeFor(result.status) } });
    } catch (err) {
      deps.logger?.error({ err: err instanceof Error ? err.message : String(err) }, 'forwarded console command failed');
      line({ error: 'internal error' });
    }
    res.end();
  });
  router.add('POST', REMOTE_CHANGES_PATH, async (req) => {
    const caller = checkCaller(req, expected);
    if ('refusal' in caller) return caller.refusal;
    const parsed = remoteChangesRequestSchema.safeParse(caller.body);
    if (!parsed.success) return json(400, { error: parsed.error.issues[0]?.message ?? 'The console request is not valid.' });
    const { since } = parsed.data;
    const user = consoleUserOf(parsed.data, deps.allowAs);
    if ('refusal' in user) return user.refusal;
    const as = user.name;
    if (since === undefined) return json(200, await deps.messages.recent(as, RECENT_ON_OPEN));
    return json(200, await deps.messages.changesSince(since, as, CHANGES_PAGE));
  });
  return inFlight;
}
