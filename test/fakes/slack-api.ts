import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A fake Slack on 127.0.0.1 that speaks the real protocols: the Web API (POST /api/METHOD,
 * form or JSON bodies, Bearer token, `{ok:…}` answers), response_url posts, and a Socket Mode
 * websocket handed out by apps.connections.open. It records every call and enforces Slack's
 * one message per second per channel with 429 + Retry-After.
 *
 * Channels: conversations.create enforces Slack's name rules (invalid_name_specials for anything
 * but lowercase a-z, 0-9, - and _; invalid_name_maxlength over 80; name_taken for a name in use,
 * archived channels included). It keeps each channel's members (for the channels it created),
 * topic, pins and archived state; posting to an archived channel is is_archived, an ephemeral
 * message to someone not in a channel it created is user_not_in_channel. conversations.open gives
 * each user one DM channel (D…). conversations.history / replies read back what was posted (and
 * what people wrote, `addMessage`). `failNext` makes the next call of a method answer an error.
 *
 * Incoming webhooks (what Alertmanager's own slack_configs post to): POST /services/T1/B<channel>/…
 * with a JSON body (text, blocks or attachments) posts into that channel under the same one message
 * per second per channel (429 + Retry-After beyond it), answering "ok" as Slack does. Recorded as
 * calls of method "incoming-webhook".
 */
export interface RecordedCall {
  method: string;
  args: Record<string, unknown>;
  /** HTTP status we answered (429 when rate-limited). */
  status: number;
  /** Slack's `error` when ok:false. */
  error?: string;
  token?: string;
  /** Date.now() when the fake received it: lets tests check ordering and Retry-After waits. */
  at: number;
}

export interface ResponseUrlPost {
  id: string;
  body: Record<string, unknown>;
  /** Date.now() when the fake received it. */
  at: number;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: unknown[];
  /** The parent's ts for a thread reply. */
  thread_ts?: string;
  /** Who wrote it: the bot, unless a test added a person's message (addMessage). */
  user?: string;
  /** Legacy attachments (incoming webhooks: Alertmanager's Slack receiver sends these). */
  attachments?: unknown[];
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  text?: string;
  blocks?: unknown[];
}

/** What the fake knows about a channel. `members` is only tracked for channels it created. */
export interface FakeChannel {
  id: string;
  name: string;
  private: boolean;
  archived: boolean;
  topic: string;
  members?: Set<string>;
  pins: Set<string>;
}

export interface SlackFakeOptions {
  botToken: string;
  appToken?: string;
  /** Channel ids where the bot is not a member (chat.postMessage → not_in_channel). */
  notInChannel?: string[];
  /** Channel ids that do not exist (→ channel_not_found). Every other id starting with C or G exists. */
  missing?: string[];
  users?: { id: string; name: string; display_name?: string; real_name?: string }[];
  /**
   * Channels conversations.info and conversations.list know. A private channel the bot is not a
   * member of (notInChannel) is channel_not_found to conversations.info, as on Slack.
   */
  channels?: { id: string; name: string; private?: boolean }[];
  /** Minimum gap between messages to one channel. Slack's documented limit: 1 s. */
  perChannelMs?: number;
}

export interface FakeView {
  id: string;
  triggerId: string;
  view: Record<string, unknown>;
}

export interface SocketEnvelopeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  /** Date.now() when the fake received the ack (set by the fake, not sent by the bot). */
  receivedAt: number;
}

export interface SlackFake {
  url: string;
  /** SLACK_API_URL for the bot. */
  apiUrl: string;
  calls: RecordedCall[];
  responsePosts: ResponseUrlPost[];
  messages: Map<string, FakeMessage>;
  ephemerals: FakeEphemeral[];
  /** Modals opened with views.open (the view as sent, with the trigger_id it was opened with). */
  views: FakeView[];
  /** A channel as the fake has it now (created, topic, pins, archived), by id. */
  channel(id: string): FakeChannel | undefined;
  /** The DM channel conversations.open gave this user, if any. */
  dmChannelOf(userId: string): string | undefined;
  /** A message a person wrote in a channel (not through the API), e.g. to be 📌'd; returns its ts. */
  addMessage(channel: string, m: { user: string; text: string; thread_ts?: string }): string;
  /** The next call of `method` answers `{ok:false, error}` (HTTP 200), as Slack does. */
  failNext(method: string, error: string): void;
  /** A response_url the fake answers; posts to it are recorded under `id`. */
  responseUrl(id: string): string;
  /** An incoming-webhook URL that posts into this channel (Alertmanager's slack_configs api_url). */
  incomingWebhookUrl(channelId: string): string;
  callsOf(method: string, okOnly?: boolean): RecordedCall[];
  /** The next call of `method` gets 429 with this Retry-After (seconds). */
  rateLimitNext(method: string, retryAfterS: number): void;
  /**
   * Answers the Web API calls `delay` picks this many ms late (the call is recorded, and its message
   * stored, when it arrives; 0 or undefined: at once). A slow Slack, for a queue that must outlast
   * something; `delayAnswers(undefined)` ends it.
   */
  delayAnswers(delay: ((method: string, args: Record<string, unknown>) => number) | undefined): void;
  /** Socket Mode: open connections and sending envelopes to the bot. */
  socketConnections(): number;
  waitForSocket(timeoutMs?: number): Promise<void>;
  sendEnvelope(type: 'slash_commands' | 'interactive' | 'events_api', payload: Record<string, unknown>, opts?: { envelopeId?: string; retryAttempt?: number }): Promise<SocketEnvelopeAck>;
  /** Polls until `probe` returns something; 20 s by default, generous for a step on a loaded machine (10 s was not). */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

function parseBody(headers: IncomingHttpHeaders, raw: string): Record<string, unknown> {
  const type = String(headers['content-type'] ?? '');
  if (type.includes('application/json')) return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The Web API client sends arrays and objects (blocks) as JSON strings inside the form.
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        /* plain text after all */
      }
    }
    out[k] = v;
  }
  return out;
}

const MESSAGE_METHODS = new Set(['chat.postMessage', 'chat.update', 'chat.postEphemeral']);
const BOT_USER = 'UBOT';

/** Slack's own checks on a new channel's name, in the order it reports them. */
function nameError(name: string): string | undefined {
  if (name === '') return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (/[^a-z0-9_-]/.test(name)) return 'invalid_name_specials';
  if (!/[a-z0-9]/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

export async function startSlackFake(opts: SlackFakeOptions): Promise<SlackFake> {
  const calls: RecordedCall[] = [];
  const responsePosts: ResponseUrlPost[] = [];
  const messages = new Map<string, FakeMessage>();
  const ephemerals: FakeEphemeral[] = [];
  const views: FakeView[] = [];
  const failNext = new Map<string, string>();
  const lastMessageAt = new Map<string, number>();
  const forced = new Map<string, number>();
  let answerDelay: ((method: string, args: Record<string, unknown>) => number) | undefined;
  const perChannelMs = opts.perChannelMs ?? 1000;
  const users = new Map((opts.users ?? []).map((u) => [u.id, u]));
  const channels = new Map((opts.channels ?? []).map((c) => [c.id, c.name]));
  const privateChannels = new Set((opts.channels ?? []).filter((c) => c.private).map((c) => c.id));
  const archived = new Set<string>();
  const topics = new Map<string, string>();
  const pins = new Map<string, Set<string>>();
  /** Members of the channels the fake created (the bot first); other channels' members are unknown. */
  const members = new Map<string, Set<string>>();
  const dms = new Map<string, string>();
  const dmIds = new Set<string>();
  const notIn = new Set(opts.notInChannel ?? []);
  const missing = new Set(opts.missing ?? []);
  let tsCounter = 0;
  const sockets = new Set<WebSocket>();
  const pendingAcks = new Map<string, (ack: SocketEnvelopeAck) => void>();
  let port = 0;

  const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++tsCounter).padStart(6, '0')}`;
  const channelExists = (id: string) => !missing.has(id) && (channels.has(id) || dmIds.has(id) || /^[CG]/.test(id));
  const knownUser = (id: string) => id === BOT_USER || users.size === 0 || users.has(id);
  const newId = (prefix: string) => `${prefix}${randomUUID().replace(/-/g, '').slice(0, 10).toUpperCase()}`;

  function api(method: string, args: Record<string, unknown>, token: string | undefined): { status: number; body: Record<string, unknown>; headers?: Record<string, string> } {
    const fail = (error: string) => ({ status: 200, body: { ok: false, error } });
    if (method === 'apps.connections.open') {
      if (!opts.appToken || token !== opts.appToken) return fail('invalid_auth');
      return { status: 200, body: { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}` } };
    }
    if (token !== opts.botToken) return fail(token ? 'invalid_auth' : 'not_authed');
    const forcedWait = forced.get(method);
    if (forcedWait !== undefined) {
      forced.delete(method);
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': String(forcedWait) } };
    }
    const failure = failNext.get(method);
    if (failure !== undefined) {
      failNext.delete(method);
      return fail(failure);
    }
    const channel = typeof args.channel === 'string' ? args.channel : '';
    if (MESSAGE_METHODS.has(method)) {
      if (!channelExists(channel)) return fail('channel_not_found');
      if (notIn.has(channel)) return fail('not_in_channel');
      if (archived.has(channel)) return fail('is_archived');
      if (method === 'chat.postEphemeral' && members.get(channel) && !members.get(channel)!.has(String(args.user))) return fail('user_not_in_channel');
      const now = Date.now();
      const last = lastMessageAt.get(channel);
      if (last !== undefined && now - last < perChannelMs) {
        return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '1' } };
      }
      lastMessageAt.set(channel, now);
    }
    switch (method) {
      case 'auth.test':
        return { status: 200, body: { ok: true, url: 'https://fake.slack.com/', team: 'Fake Team', user: 'firebreak', team_id: 'T1', user_id: 'UBOT', bot_id: 'BBOT' } };
      case 'chat.postMessage': {
        const ts = nextTs();
        const thread = typeof args.thread_ts === 'string' && args.thread_ts ? { thread_ts: args.thread_ts } : {};
        messages.set(`${channel}:${ts}`, { channel, ts, text: args.text as string | undefined, blocks: args.blocks as unknown[] | undefined, ...thread });
        return { status: 200, body: { ok: true, channel, ts, message: { text: args.text, blocks: args.blocks, ts, ...thread } } };
      }
      case 'chat.update': {
        const key = `${channel}:${String(args.ts)}`;
        if (!messages.has(key)) return fail('message_not_found');
        messages.set(key, { channel, ts: String(args.ts), text: args.text as string | undefined, blocks: args.blocks as unknown[] | undefined });
        return { status: 200, body: { ok: true, channel, ts: args.ts, text: args.text } };
      }
      case 'chat.postEphemeral':
        ephemerals.push({ channel, user: String(args.user), text: args.text as string | undefined, blocks: args.blocks as unknown[] | undefined });
        return { status: 200, body: { ok: true, message_ts: nextTs() } };
      case 'conversations.create': {
        const name = String(args.name ?? '');
        const invalid = nameError(name);
        if (invalid) return fail(invalid);
        if ([...channels.values()].includes(name)) return fail('name_taken');
        const isPrivate = args.is_private === true || args.is_private === 'true';
        const id = newId(isPrivate ? 'G' : 'C');
        channels.set(id, name);
        if (isPrivate) privateChannels.add(id);
        members.set(id, new Set([BOT_USER]));
        return { status: 200, body: { ok: true, channel: { id, name, is_channel: !isPrivate, is_group: isPrivate, is_private: isPrivate, is_member: true, is_archived: false, topic: { value: '' } } } };
      }
      case 'conversations.invite': {
        if (!channelExists(channel)) return fail('channel_not_found');
        if (archived.has(channel)) return fail('is_archived');
        const force = args.force === true || args.force === 'true';
        const inChannel = members.get(channel) ?? new Set<string>();
        const problems: { user: string; ok: false; error: string }[] = [];
        const invited: string[] = [];
        for (const user of String(args.users ?? '').split(',').filter(Boolean)) {
          const error = user === BOT_USER ? 'cant_invite_self' : !knownUser(user) ? 'user_not_found' : inChannel.has(user) ? 'already_in_channel' : undefined;
          if (error) problems.push({ user, ok: false, error });
          else invited.push(user);
        }
        if (problems.length > 0 && (!force || invited.length === 0)) return { status: 200, body: { ok: false, error: problems[0]!.error, errors: problems } };
        for (const u of invited) inChannel.add(u);
        members.set(channel, inChannel);
        return { status: 200, body: { ok: true, channel: { id: channel, name: channels.get(channel) }, ...(problems.length ? { errors: problems } : {}) } };
      }
      case 'conversations.setTopic': {
        if (!channelExists(channel)) return fail('channel_not_found');
        if (archived.has(channel)) return fail('is_archived');
        const topic = String(args.topic ?? '');
        if (topic.length > 250) return fail('too_long');
        topics.set(channel, topic);
        return { status: 200, body: { ok: true, channel: { id: channel, name: channels.get(channel), topic: { value: topic, creator: BOT_USER, last_set: Math.floor(Date.now() / 1000) } } } };
      }
      case 'pins.add': {
        if (!channelExists(channel)) return fail('channel_not_found');
        if (!messages.has(`${channel}:${String(args.timestamp)}`)) return fail('message_not_found');
        const pinned = pins.get(channel) ?? new Set<string>();
        if (pinned.has(String(args.timestamp))) return fail('already_pinned');
        pinned.add(String(args.timestamp));
        pins.set(channel, pinned);
        return { status: 200, body: { ok: true } };
      }
      case 'conversations.archive':
        if (!channelExists(channel)) return fail('channel_not_found');
        if (archived.has(channel)) return fail('already_archived');
        if (channels.get(channel) === 'general') return fail('cant_archive_general');
        archived.add(channel);
        return { status: 200, body: { ok: true } };
      case 'conversations.open': {
        const user = String(args.users ?? '');
        if (user.includes(',')) return fail('not_supported_in_fake');
        if (!user || !knownUser(user)) return fail('user_not_found');
        if (user === BOT_USER) return fail('cannot_dm_bot');
        let id = dms.get(user);
        const already = id !== undefined;
        if (!id) {
          dms.set(user, (id = newId('D')));
          dmIds.add(id);
        }
        return { status: 200, body: { ok: true, ...(already ? { no_op: true, already_open: true } : {}), channel: { id } } };
      }
      case 'conversations.info': {
        // Slack answers channel_not_found for a private channel the bot is not in, like for one that does not exist.
        const name = channels.get(channel);
        if (name === undefined || missing.has(channel) || (privateChannels.has(channel) && notIn.has(channel))) return fail('channel_not_found');
        const isPrivate = privateChannels.has(channel);
        return {
          status: 200,
          body: { ok: true, channel: { id: channel, name, is_channel: !isPrivate, is_group: isPrivate, is_private: isPrivate, is_member: !notIn.has(channel), is_archived: archived.has(channel), topic: { value: topics.get(channel) ?? '' } } },
        };
      }
      case 'conversations.list': {
        const excludeArchived = args.exclude_archived === true || args.exclude_archived === 'true';
        const listed = [...channels].filter(([id]) => !(excludeArchived && archived.has(id)));
        return { status: 200, body: { ok: true, channels: listed.map(([id, name]) => ({ id, name, is_archived: archived.has(id) })), response_metadata: { next_cursor: '' } } };
      }
      case 'conversations.history': {
        // Newest first, top-level messages only (thread replies are in conversations.replies), as Slack.
        if (!channelExists(channel)) return fail('channel_not_found');
        if (notIn.has(channel)) return fail('not_in_channel');
        const latest = typeof args.latest === 'string' ? args.latest : undefined;
        const inclusive = args.inclusive === true || args.inclusive === 'true';
        const limit = Number(args.limit ?? 100);
        const found = [...messages.values()]
          .filter((m) => m.channel === channel && !m.thread_ts && (latest === undefined || (inclusive ? m.ts <= latest : m.ts < latest)))
          .sort((a, b) => (a.ts < b.ts ? 1 : -1))
          .slice(0, limit);
        return { status: 200, body: { ok: true, messages: found.map((m) => ({ type: 'message', ts: m.ts, text: m.text ?? '', user: m.user ?? BOT_USER })), has_more: false } };
      }
      case 'conversations.replies': {
        if (!channelExists(channel)) return fail('channel_not_found');
        const ts = String(args.ts ?? '');
        const found = [...messages.values()].filter((m) => m.channel === channel && (m.ts === ts || m.thread_ts === ts)).sort((a, b) => (a.ts < b.ts ? -1 : 1));
        if (found.length === 0) return fail('thread_not_found');
        return { status: 200, body: { ok: true, messages: found.map((m) => ({ type: 'message', ts: m.ts, text: m.text ?? '', user: m.user ?? BOT_USER, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) })) } };
      }
      case 'users.info': {
        const u = users.get(String(args.user));
        if (!u) return fail('user_not_found');
        return { status: 200, body: { ok: true, user: { id: u.id, name: u.name, real_name: u.real_name ?? u.name, profile: { display_name: u.display_name ?? '' } } } };
      }
      case 'views.open': {
        // As Slack: a trigger_id is needed (it expires 3 s after the click or command), and the view is a valid modal.
        if (typeof args.trigger_id !== 'string' || args.trigger_id === '') return fail('invalid_arguments');
        const view = (typeof args.view === 'string' ? JSON.parse(args.view) : args.view) as Record<string, unknown> | undefined;
        const title = (view?.title as { type?: string; text?: string } | undefined) ?? {};
        const blocks = view?.blocks;
        if (!view || view.type !== 'modal' || title.type !== 'plain_text' || !title.text || title.text.length > 24 || !Array.isArray(blocks) || blocks.length > 100) return fail('invalid_arguments');
        if (typeof view.private_metadata === 'string' && view.private_metadata.length > 3000) return fail('invalid_arguments');
        const id = newId('V');
        views.push({ id, triggerId: args.trigger_id, view });
        return { status: 200, body: { ok: true, view: { id, ...view } } };
      }
      default:
        return fail('unknown_method');
    }
  }

  /** Slack's incoming webhook: text answers, not JSON; the channel is the webhook's, whatever the body says. */
  function incomingWebhook(channel: string, args: Record<string, unknown>): { status: number; body: string; headers?: Record<string, string> } {
    if (!channelExists(channel)) return { status: 404, body: 'channel_not_found' };
    if (archived.has(channel)) return { status: 410, body: 'channel_is_archived' };
    const hasContent = typeof args.text === 'string' || Array.isArray(args.blocks) || Array.isArray(args.attachments);
    if (!hasContent) return { status: 400, body: 'no_text' };
    const now = Date.now();
    const last = lastMessageAt.get(channel);
    if (last !== undefined && now - last < perChannelMs) return { status: 429, body: 'rate_limited', headers: { 'retry-after': '1' } };
    lastMessageAt.set(channel, now);
    const ts = nextTs();
    messages.set(`${channel}:${ts}`, {
      channel,
      ts,
      text: typeof args.text === 'string' ? args.text : undefined,
      blocks: Array.isArray(args.blocks) ? (args.blocks as unknown[]) : undefined,
      attachments: Array.isArray(args.attachments) ? (args.attachments as unknown[]) : undefined,
    });
    return { status: 200, body: 'ok' };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      let args: Record<string, unknown>;
      try {
        args = parseBody(req.headers, raw);
      } catch {
        res.writeHead(400).end();
        return;
      }
      const respM = /^\/response\/([^/]+)$/.exec(url.pathname);
      if (req.method === 'POST' && respM) {
        responsePosts.push({ id: decodeURIComponent(respM[1]!), body: args, at: Date.now() });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      const hookM = /^\/services\/[^/]+\/B([A-Z0-9]+)\/[^/]+$/.exec(url.pathname);
      if (req.method === 'POST' && hookM) {
        const out = incomingWebhook(hookM[1]!, args);
        calls.push({ method: 'incoming-webhook', args, status: out.status, error: out.status === 200 ? undefined : out.body, at: Date.now() });
        res.writeHead(out.status, { 'content-type': 'text/html', ...(out.headers ?? {}) }).end(out.body);
        return;
      }
      const apiM = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
      if (req.method !== 'POST' || !apiM) {
        res.writeHead(404).end();
        return;
      }
      const auth = String(req.headers.authorization ?? '');
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof args.token === 'string' ? args.token : undefined;
      const at = Date.now();
      const out = api(apiM[1]!, args, token);
      calls.push({ method: apiM[1]!, args, status: out.status, error: out.body.ok ? undefined : String(out.body.error), token, at });
      const answer = () => {
        res.writeHead(out.status, { 'content-type': 'application/json; charset=utf-8', ...(out.headers ?? {}) });
        res.end(JSON.stringify(out.body));
      };
      const late = answerDelay?.(apiM[1]!, args) ?? 0;
      if (late > 0) setTimeout(answer, late);
      else answer();
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!(req.url ?? '').startsWith('/link')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data) => {
        let msg: SocketEnvelopeAck;
        try {
          msg = { ...(JSON.parse(String(data)) as Omit<SocketEnvelopeAck, 'receivedAt'>), receivedAt: Date.now() };
        } catch {
          return;
        }
        const waiter = pendingAcks.get(msg.envelope_id);
        if (waiter) {
          pendingAcks.delete(msg.envelope_id);
          waiter(msg);
        }
      });
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, debug_info: { host: 'fake' }, connection_info: { app_id: 'A1' } }));
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  const waitFor = async <T>(probe: () => T | undefined | null | false, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('fake Slack: timed out waiting for the expected call');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    url,
    apiUrl: `${url}/api/`,
    calls,
    responsePosts,
    messages,
    ephemerals,
    views,
    channel(id) {
      const name = channels.get(id);
      if (name === undefined) return undefined;
      const m = members.get(id);
      return { id, name, private: privateChannels.has(id), archived: archived.has(id), topic: topics.get(id) ?? '', ...(m ? { members: new Set(m) } : {}), pins: new Set(pins.get(id) ?? []) };
    },
    dmChannelOf: (userId) => dms.get(userId),
    addMessage(channel, m) {
      const ts = nextTs();
      messages.set(`${channel}:${ts}`, { channel, ts, text: m.text, user: m.user, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) });
      return ts;
    },
    failNext: (method, error) => void failNext.set(method, error),
    responseUrl: (id) => `${url}/response/${encodeURIComponent(id)}`,
    incomingWebhookUrl: (channelId) => `${url}/services/T1/B${channelId}/fake-incoming-webhook-secret`,
    callsOf: (method, okOnly = false) => calls.filter((c) => c.method === method && (!okOnly || (c.status === 200 && !c.error))),
    rateLimitNext: (method, s) => void forced.set(method, s),
    delayAnswers: (delay) => void (answerDelay = delay),
    socketConnections: () => sockets.size,
    waitForSocket: (timeoutMs) => waitFor(() => sockets.size > 0, timeoutMs).then(() => undefined),
    sendEnvelope(type, payload, o = {}) {
      const envelopeId = o.envelopeId ?? randomUUID();
      const ws = [...sockets][0];
      if (!ws) return Promise.reject(new Error('fake Slack: no Socket Mode connection'));
      const acked = new Promise<SocketEnvelopeAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pendingAcks.delete(envelopeId);
          reject(new Error(`fake Slack: envelope ${envelopeId} was not acknowledged within 3 s`));
        }, 3000);
        pendingAcks.set(envelopeId, (ack) => {
          clearTimeout(timer);
          resolve(ack);
        });
      });
      ws.send(JSON.stringify({ envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api', retry_attempt: o.retryAttempt ?? 0, retry_reason: o.retryAttempt ? 'timeout' : '' }));
      return acked;
    },
    waitFor,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
