import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Discord REST API on 127.0.0.1, speaking the routes Firebreak uses: interaction
 * callbacks, webhook follow-ups and @original edits, guild channels, channel messages and
 * pins, permission overwrites, application command bulk PUT (global and guild). Bot routes
 * need "Authorization: Bot <token>"; webhook routes do not (the interaction token is the auth).
 * It can answer one matching request with 429 + Retry-After, as Discord does under rate limits.
 * It keeps the messages Firebreak posts or edits, so an edit of a message that does not exist
 * (or was deleted, @original included) gets Discord's 404 Unknown Message (10008), and it can
 * expire an interaction token: after `expireToken`, that token's webhook routes answer 401 Invalid
 * Webhook Token (50027). Direct messages: POST /users/@me/channels opens a DM channel with a user,
 * and a user who refuses DMs (`refuseDms`) gets 403 Cannot send messages to this user (50007).
 * `failAlways` makes matching requests answer a 5xx, like an outage outlasting the client's retries.
 * Guild channels keep their name, topic, parent and permission overwrites (POST, GET and PATCH
 * /channels/ID, PUT …/permissions/ID); names over 100 chars, topics over 1024 and replies to a
 * message that is not there (unless fail_if_not_exists is false) get 400 Invalid Form Body (50035),
 * as on Discord. Pins are kept per channel; GET /users/@me is the bot user.
 * With `channelMessageLimit`, posting messages in a channel (as the bot) is limited as Discord limits
 * it: a bucket per channel of `count` messages per `windowMs`, told in X-RateLimit-* headers (which
 * discord.js reads to wait before it runs into the limit) and answered 429 + Retry-After beyond it.
 * Interaction responses and webhook follow-ups are not held by it, as on Discord.
 */
export interface DiscordCall {
  method: string;
  /** The route without the "/api/v10" prefix, e.g. "/webhooks/APP/TOKEN/messages/@original". */
  route: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** What the fake answered. */
  status: number;
}

interface RateLimitRule {
  method: string;
  route: RegExp;
  retryAfterS: number;
}

export interface FakeDiscordApi {
  /** Give this to the REST client as DISCORD_API_URL, e.g. http://127.0.0.1:PORT/api */
  apiUrl: string;
  calls: DiscordCall[];
  /** Application commands by scope: "global" or "guild:ID". */
  commands: Map<string, unknown[]>;
  /** The next request matching method and route gets 429 with Retry-After (seconds); later ones succeed. */
  rateLimitOnce(method: string, route: RegExp, retryAfterS: number): void;
  /**
   * Tells the fake about an interaction Discord "sent", as Discord knows where it came from:
   * its @original message lives in that channel (for a click, it is the clicked message).
   */
  trackInteraction(i: { token: string; channel_id?: string; message?: { id: string } }): void;
  /** From now on the token's webhook routes answer 401 with code 50027, as after Discord's 15 minutes. */
  expireToken(token: string): void;
  /** Someone deleted the message: edits of it get 404 Unknown Message. */
  deleteMessage(messageId: string): void;
  /** Every request matching method and route answers this 5xx from now on (the client's retries see it too). */
  failAlways(method: string, route: RegExp, status: number): void;
  /** The next request matching method and route answers this status and Discord error body, e.g. 403 {code: 50013}. */
  failOnce(method: string, route: RegExp, status: number, body: { message: string; code: number }): void;
  /** The user does not accept direct messages from the bot: posting in their DM channel gets 403 (50007). */
  refuseDms(userId: string): void;
  /** The id of the interaction's @original message, once Discord has one (e.g. after a GET of it). */
  originalIdOf(token: string): string | undefined;
  /** The DM channel opened with this user, if any; its messages are in `messages` with that channel_id. */
  dmChannelOf(userId: string): string | undefined;
  /** Messages as they are now, by id. */
  messages: Map<string, StoredMessage>;
  /** A guild channel as the fake has it now. */
  channel(id: string): FakeGuildChannel | undefined;
  /** Ids of the messages pinned in a channel. */
  pinsOf(channelId: string): string[];
  /** The bot's own user id (GET /users/@me). */
  botUserId: string;
  /** Changes the channel message limit from now on (a bucket already started keeps its window). */
  setChannelMessageLimit(limit: { count: number; windowMs: number } | undefined): void;
  /**
   * The answer the person who typed or clicked sees, whichever way Firebreak sent it: the HTTP
   * response itself when it carries a message (type 4 CHANNEL_MESSAGE_WITH_SOURCE, 7 UPDATE_MESSAGE),
   * else, after a deferral (5 or 6: the command outlasted the fast window, as any command may on a
   * loaded machine), the first edit of the interaction's `@original` (through its token, or as the
   * bot once the token ran out) or follow-up through its webhook (an ephemeral one carries flags 64)
   * whose body `done` accepts. A command that shows
   * progress before its result needs `done` (e.g. a title) so that progress is not taken for the
   * answer. Waits up to timeoutMs (20 s by default, for a loaded machine).
   */
  answerOf<T = Record<string, unknown>>(interaction: { token: string }, response: { type: number; data?: unknown }, opts?: { done?: (body: T) => boolean; timeoutMs?: number }): Promise<T>;
  /** Resolves with the first recorded call the predicate accepts (waiting up to timeoutMs: 20 s by default, for a loaded machine). */
  waitFor(predicate: (c: DiscordCall) => boolean, timeoutMs?: number): Promise<DiscordCall>;
  close(): Promise<void>;
}

export interface PermissionOverwrite {
  id: string;
  /** 0 role, 1 member. */
  type: number;
  allow: string;
  deny: string;
}

export interface FakeGuildChannel {
  id: string;
  name: string;
  type: number;
  guild_id: string;
  topic?: string | null;
  parent_id?: string | null;
  permission_overwrites: PermissionOverwrite[];
}

export interface StoredMessage {
  id: string;
  channel_id: string;
  /** The last body posted or edited into it. */
  body: unknown;
}

const snowflake = () => (BigInt(Date.now() - 1420070400000) << 22n | BigInt(randomBytes(2).readUInt16BE() & 0x3fffff)).toString();

/** Discord's 400 for a body it will not take: which field, and why. */
function invalidForm(field: string, code: string, message: string) {
  return { status: 400, body: { message: 'Invalid Form Body', code: 50035, errors: { [field]: { _errors: [{ code, message }] } } } };
}

/** Discord's own checks on a channel's name and topic. */
function channelFieldError(b: { name?: unknown; topic?: unknown }, creating: boolean) {
  if (creating || b.name !== undefined) {
    const name = typeof b.name === 'string' ? b.name : '';
    if (name.length < 1 || name.length > 100) return invalidForm('name', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 100 in length.');
  }
  if (typeof b.topic === 'string' && b.topic.length > 1024) return invalidForm('topic', 'BASE_TYPE_BAD_LENGTH', 'Must be 1024 or fewer in length.');
  return undefined;
}

export async function startFakeDiscordApi(opts: {
  botToken: string;
  guildId?: string;
  botUserId?: string;
  channels?: { id: string; name: string }[];
  channelMessageLimit?: { count: number; windowMs: number };
}): Promise<FakeDiscordApi> {
  const calls: DiscordCall[] = [];
  const commands = new Map<string, unknown[]>();
  const rules: RateLimitRule[] = [];
  const guildId = opts.guildId ?? '900000000000000001';
  const botUserId = opts.botUserId ?? '900000000000000099';
  const channels: FakeGuildChannel[] = (opts.channels ?? []).map((c) => ({ ...c, type: 0, guild_id: guildId, permission_overwrites: [] }));
  const pins = new Map<string, string[]>();
  const unknownChannel = { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
  const waiters: { predicate: (c: DiscordCall) => boolean; resolve: (c: DiscordCall) => void }[] = [];
  const messages = new Map<string, StoredMessage>();
  const interactions = new Map<string, { channelId: string; originalId?: string; expired: boolean }>();
  const failures: { method: string; route: RegExp; status: number; body?: { message: string; code: number }; once?: boolean }[] = [];
  /** DM channel id by user id, and the users whose DMs are closed. */
  const dms = new Map<string, string>();
  const dmRefusers = new Set<string>();
  const channelBuckets = new Map<string, { resetAt: number; used: number }>();
  let channelMessageLimit = opts.channelMessageLimit;

  /** Takes one message from the channel's bucket: its X-RateLimit headers, or a 429 when it is empty. */
  function takeFromBucket(channelId: string): { limited: boolean; headers: Record<string, string> } {
    const limit = channelMessageLimit;
    if (!limit) return { limited: false, headers: {} };
    const now = Date.now();
    let b = channelBuckets.get(channelId);
    if (!b || now >= b.resetAt) channelBuckets.set(channelId, (b = { resetAt: now + limit.windowMs, used: 0 }));
    const limited = b.used >= limit.count;
    if (!limited) b.used++;
    const resetAfterS = Math.max(0.001, (b.resetAt - now) / 1000);
    const headers: Record<string, string> = {
      'x-ratelimit-bucket': `channel-messages-${channelId}`,
      'x-ratelimit-limit': String(limit.count),
      'x-ratelimit-remaining': String(limit.count - b.used),
      'x-ratelimit-reset-after': resetAfterS.toFixed(3),
      'x-ratelimit-reset': (b.resetAt / 1000).toFixed(3),
    };
    return limited ? { limited, headers: { ...headers, 'retry-after': resetAfterS.toFixed(3), 'x-ratelimit-scope': 'user' } } : { limited, headers };
  }

  /**
   * The interaction's @original message, created on first use like Discord's deferred message.
   * null once it was deleted: Discord answers 404 Unknown Message then, it does not recreate it.
   */
  function originalOf(token: string): StoredMessage | null {
    let t = interactions.get(token);
    // Untracked tokens still work, in a channel the fake cannot name.
    if (!t) interactions.set(token, (t = { channelId: '0', expired: false }));
    if (!t.originalId) {
      const msg = { id: snowflake(), channel_id: t.channelId, body: { content: '', embeds: [], components: [] } };
      messages.set(msg.id, msg);
      t.originalId = msg.id;
    }
    return messages.get(t.originalId) ?? null;
  }
  const unknownMessage = { status: 404, body: { message: 'Unknown Message', code: 10008 } };
  const shown = (m: StoredMessage) => ({ ...(m.body as object), id: m.id, channel_id: m.channel_id });

  function record(call: DiscordCall) {
    calls.push(call);
    for (const w of [...waiters]) {
      if (w.predicate(call)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(call);
      }
    }
  }

  function handle(method: string, route: string, headers: IncomingHttpHeaders, body: unknown): { status: number; body?: unknown; headers?: Record<string, string> } {
    const rule = rules.find((r) => r.method === method && r.route.test(route));
    if (rule) {
      rules.splice(rules.indexOf(rule), 1);
      return {
        status: 429,
        headers: { 'retry-after': String(rule.retryAfterS), 'x-ratelimit-scope': 'user' },
        body: { message: 'You are being rate limited.', retry_after: rule.retryAfterS, global: false },
      };
    }
    const failure = failures.find((f) => f.method === method && f.route.test(route));
    if (failure) {
      if (failure.once) failures.splice(failures.indexOf(failure), 1);
      return { status: failure.status, body: failure.body ?? { message: 'Internal Server Error', code: 0 } };
    }
    let m: RegExpExecArray | null;
    if ((m = /^\/interactions\/([^/]+)\/([^/]+)\/callback$/.exec(route)) && method === 'POST') return { status: 204 };
    if ((m = /^\/webhooks\/([^/]+)\/([^/]+)(?:\/|$)/.exec(route)) && interactions.get(m[2]!)?.expired) {
      return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
    }
    if ((m = /^\/webhooks\/([^/]+)\/([^/]+)\/messages\/@original$/.exec(route))) {
      const original = originalOf(m[2]!);
      if (!original) return unknownMessage;
      if (method === 'GET') return { status: 200, body: shown(original) };
      if (method === 'PATCH') {
        original.body = body;
        return { status: 200, body: shown(original) };
      }
      if (method === 'DELETE') {
        messages.delete(original.id);
        return { status: 204 };
      }
    }
    if ((m = /^\/webhooks\/([^/]+)\/([^/]+)$/.exec(route)) && method === 'POST') {
      // Ephemeral follow-ups are not channel messages anyone else can see or the bot can edit.
      return { status: 200, body: { id: snowflake(), channel_id: interactions.get(m[2]!)?.channelId ?? '0', ...(body as object) } };
    }

    // Everything below is a bot route.
    if (headers.authorization !== `Bot ${opts.botToken}`) return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
    if (route === '/users/@me/guilds' && method === 'GET') return { status: 200, body: [{ id: guildId, name: 'Test server' }] };
    if (route === '/users/@me' && method === 'GET') return { status: 200, body: { id: botUserId, username: 'firebreak', discriminator: '0', bot: true } };
    if ((m = /^\/applications\/([^/]+)\/(?:guilds\/([^/]+)\/)?commands$/.exec(route))) {
      const scope = m[2] ? `guild:${m[2]}` : 'global';
      if (method === 'GET') return { status: 200, body: (commands.get(scope) ?? []).map((c) => c) };
      if (method === 'PUT') {
        const list = (body as object[]).map((c) => ({ id: snowflake(), application_id: m![1], version: snowflake(), type: 1, default_member_permissions: null, nsfw: false, integration_types: [0], ...c }));
        // Like Discord, the stored commands echo the defaults of fields that were not sent.
        commands.set(scope, list);
        return { status: 200, body: list };
      }
    }
    if ((m = /^\/guilds\/([^/]+)\/channels$/.exec(route))) {
      if (m[1] !== guildId) return { status: 404, body: { message: 'Unknown Guild', code: 10004 } };
      if (method === 'GET') return { status: 200, body: channels };
      if (method === 'POST') {
        const b = (body ?? {}) as { name?: string; type?: number; topic?: string; parent_id?: string; permission_overwrites?: PermissionOverwrite[] };
        const invalid = channelFieldError(b, true);
        if (invalid) return invalid;
        const overwrites = (b.permission_overwrites ?? []).map((o) => ({ id: o.id, type: o.type, allow: String(o.allow ?? '0'), deny: String(o.deny ?? '0') }));
        const ch: FakeGuildChannel = { id: snowflake(), name: b.name!, type: b.type ?? 0, topic: b.topic ?? null, parent_id: b.parent_id ?? null, guild_id: guildId, permission_overwrites: overwrites };
        channels.push(ch);
        return { status: 201, body: ch };
      }
    }
    if ((m = /^\/channels\/([^/]+)$/.exec(route)) && (method === 'GET' || method === 'PATCH')) {
      const ch = channels.find((c) => c.id === m![1]);
      if (!ch) return unknownChannel;
      if (method === 'PATCH') {
        const b = (body ?? {}) as { name?: string; topic?: string | null; parent_id?: string | null; permission_overwrites?: PermissionOverwrite[] };
        const invalid = channelFieldError(b, false);
        if (invalid) return invalid;
        if (b.name !== undefined) ch.name = b.name;
        if (b.topic !== undefined) ch.topic = b.topic;
        if (b.parent_id !== undefined) ch.parent_id = b.parent_id;
        if (b.permission_overwrites) ch.permission_overwrites = b.permission_overwrites.map((o) => ({ id: o.id, type: o.type, allow: String(o.allow ?? '0'), deny: String(o.deny ?? '0') }));
      }
      return { status: 200, body: ch };
    }
    if (route === '/users/@me/channels' && method === 'POST') {
      const recipient = (body as { recipient_id?: unknown } | null)?.recipient_id;
      if (typeof recipient !== 'string') return { status: 400, body: { message: 'Invalid Form Body', code: 50035 } };
      let id = dms.get(recipient);
      if (!id) dms.set(recipient, (id = snowflake()));
      return { status: 200, body: { id, type: 1, recipients: [{ id: recipient }] } };
    }
    if ((m = /^\/channels\/([^/]+)\/messages$/.exec(route)) && method === 'POST') {
      if ([...dmRefusers].some((u) => dms.get(u) === m![1])) return { status: 403, body: { message: 'Cannot send messages to this user', code: 50007 } };
      const bucket = takeFromBucket(m[1]!);
      if (bucket.limited) {
        const retryAfterS = Number(bucket.headers['retry-after']);
        return { status: 429, headers: bucket.headers, body: { message: 'You are being rate limited.', retry_after: retryAfterS, global: false } };
      }
      const ref = (body as { message_reference?: { message_id?: string; fail_if_not_exists?: boolean } } | null)?.message_reference;
      if (ref && messages.get(String(ref.message_id))?.channel_id !== m[1] && ref.fail_if_not_exists !== false) {
        return invalidForm('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
      }
      const msg = { id: snowflake(), channel_id: m[1]!, body };
      messages.set(msg.id, msg);
      return { status: 200, body: shown(msg), headers: bucket.headers };
    }
    if ((m = /^\/channels\/([^/]+)\/messages\/([^/]+)$/.exec(route)) && method === 'PATCH') {
      const msg = messages.get(m[2]!);
      if (!msg || msg.channel_id !== m[1]) return unknownMessage;
      // As Discord does: an edit changes the fields it sends; the rest (the reply's message_reference) stays.
      msg.body = { ...(msg.body as object), ...(body as object) };
      return { status: 200, body: shown(msg) };
    }
    if ((m = /^\/channels\/([^/]+)\/(?:messages\/)?pins\/([^/]+)$/.exec(route)) && method === 'PUT') {
      if (messages.get(m[2]!)?.channel_id !== m[1]) return unknownMessage;
      const list = pins.get(m[1]!) ?? [];
      if (!list.includes(m[2]!)) list.push(m[2]!);
      pins.set(m[1]!, list);
      return { status: 204 };
    }
    if ((m = /^\/channels\/([^/]+)\/permissions\/([^/]+)$/.exec(route)) && method === 'PUT') {
      const ch = channels.find((c) => c.id === m![1]);
      if (!ch) return unknownChannel;
      const b = (body ?? {}) as { type?: number; allow?: string; deny?: string };
      ch.permission_overwrites = [...ch.permission_overwrites.filter((o) => o.id !== m![2]), { id: m[2]!, type: b.type ?? 0, allow: String(b.allow ?? '0'), deny: String(b.deny ?? '0') }];
      return { status: 204 };
    }
    return { status: 404, body: { message: '404: Not Found', code: 0 } };
  }

  function waitFor(predicate: (c: DiscordCall) => boolean, timeoutMs = 20_000): Promise<DiscordCall> {
    const found = calls.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { predicate, resolve };
      waiters.push(w);
      setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) {
          waiters.splice(i, 1);
          reject(new Error(`fake Discord: no matching call within ${timeoutMs} ms; calls: ${calls.map((c) => `${c.method} ${c.route} ${c.status}`).join(', ') || '(none)'}`));
        }
      }, timeoutMs).unref();
    });
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = decodeURIComponent(url.pathname.replace(/^(\/api)?\/v\d+/, ''));
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        body = raw;
      }
      const out = handle(req.method ?? 'GET', route, req.headers, body);
      record({ method: req.method ?? 'GET', route, headers: req.headers, body, status: out.status });
      // Like Discord, a 204 carries no body and no content type.
      res.writeHead(out.status, { ...(out.body === undefined ? {} : { 'content-type': 'application/json' }), ...(out.headers ?? {}) });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    setChannelMessageLimit: (limit) => void (channelMessageLimit = limit),
    apiUrl: `http://127.0.0.1:${port}/api`,
    calls,
    commands,
    messages,
    botUserId,
    channel: (id) => channels.find((c) => c.id === id),
    pinsOf: (channelId) => [...(pins.get(channelId) ?? [])],
    rateLimitOnce(method, route, retryAfterS) {
      rules.push({ method, route, retryAfterS });
    },
    trackInteraction(i) {
      const channelId = i.channel_id ?? '0';
      const t: { channelId: string; originalId?: string; expired: boolean } = { channelId, expired: false };
      if (i.message) {
        // The clicked card: a message the app posted earlier in that channel.
        t.originalId = i.message.id;
        if (!messages.has(i.message.id)) messages.set(i.message.id, { id: i.message.id, channel_id: channelId, body: { content: '', embeds: [], components: [] } });
      }
      interactions.set(i.token, t);
    },
    expireToken(token) {
      const t = interactions.get(token);
      if (t) t.expired = true;
      else interactions.set(token, { channelId: '0', expired: true });
    },
    deleteMessage(messageId) {
      messages.delete(messageId);
    },
    failAlways(method, route, status) {
      failures.push({ method, route, status });
    },
    failOnce(method, route, status, body) {
      failures.push({ method, route, status, body, once: true });
    },
    refuseDms(userId) {
      dmRefusers.add(userId);
    },
    dmChannelOf: (userId) => dms.get(userId),
    originalIdOf: (token) => interactions.get(token)?.originalId,
    answerOf<T>(interaction: { token: string }, response: { type: number; data?: unknown }, opts: { done?: (body: T) => boolean; timeoutMs?: number } = {}): Promise<T> {
      if ((response.type === 4 || response.type === 7) && response.data) return Promise.resolve(response.data as T);
      if (response.type !== 5 && response.type !== 6) return Promise.reject(new Error(`fake Discord: the interaction was answered with type ${response.type}, which shows no message: ${JSON.stringify(response)}`));
      const { done = () => true, timeoutMs = 20_000 } = opts;
      const original = (route: string) => route.startsWith('/webhooks/') && route.endsWith(`/${interaction.token}/messages/@original`);
      const followUp = (route: string) => route.startsWith('/webhooks/') && route.endsWith(`/${interaction.token}`);
      // The bot edits the same message when the token is no longer used (known once Firebreak read @original, or the clicked card).
      const botEdit = (route: string) => {
        const id = interactions.get(interaction.token)?.originalId;
        return id !== undefined && /^\/channels\/[^/]+\/messages\/[^/]+$/.test(route) && route.endsWith(`/messages/${id}`);
      };
      const shows = (c: DiscordCall) => c.status === 200 && ((c.method === 'PATCH' && (original(c.route) || botEdit(c.route))) || (c.method === 'POST' && followUp(c.route)));
      return waitFor((c) => shows(c) && done(c.body as T), timeoutMs).then(
        (c) => c.body as T,
        () => {
          const seen = calls.filter((c) => c.route.includes(`/${interaction.token}`) || botEdit(c.route)).map((c) => `${c.method} ${c.route} ${c.status} ${JSON.stringify(c.body)}`);
          throw new Error(`fake Discord: no answer for interaction ${interaction.token} (deferred, type ${response.type}) within ${timeoutMs} ms; its webhook calls: ${seen.join('\n') || '(none)'}`);
        },
      );
    },
    waitFor,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * What Discord would refuse in a MODAL interaction response (type 9): a custom_id over 100
 * characters, a title over 45, no rows or more than 5, a row that is not one text input (type 4,
 * style 1 or 2) with a custom_id and a label of at most 45. Empty when Discord would open it.
 */
export function discordModalProblems(response: { type: number; data?: Record<string, unknown> }): string[] {
  const problems: string[] = [];
  if (response.type !== 9) return [`response type ${response.type} is not MODAL (9)`];
  const d = response.data ?? {};
  const customId = typeof d.custom_id === 'string' ? d.custom_id : '';
  if (customId.length < 1 || customId.length > 100) problems.push('custom_id must be 1–100 characters');
  const title = typeof d.title === 'string' ? d.title : '';
  if (title.length < 1 || title.length > 45) problems.push('title must be 1–45 characters');
  const rows = Array.isArray(d.components) ? (d.components as { type?: number; components?: Record<string, unknown>[] }[]) : [];
  if (rows.length < 1 || rows.length > 5) problems.push('a modal has 1–5 action rows');
  for (const [i, row] of rows.entries()) {
    const inputs = row.components ?? [];
    if (row.type !== 1 || inputs.length !== 1) problems.push(`row ${i} must be an action row (1) with one text input`);
    for (const c of inputs) {
      if (c.type !== 4 || (c.style !== 1 && c.style !== 2)) problems.push(`row ${i}: not a text input (type 4, style 1 or 2)`);
      if (typeof c.custom_id !== 'string' || c.custom_id.length < 1 || c.custom_id.length > 100) problems.push(`row ${i}: custom_id must be 1–100 characters`);
      if (typeof c.label !== 'string' || c.label.length < 1 || c.label.length > 45) problems.push(`row ${i}: label must be 1–45 characters`);
    }
  }
  return problems;
}
