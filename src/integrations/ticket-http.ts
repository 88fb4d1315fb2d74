import { setTimeout as delay } from 'node:timers/promises';
import { duration } from '../core/text-format.js';
import { TicketError } from '../postmortems/ticket-system.js';

/** What a ticket system answered, with the body parsed when it was JSON (null otherwise). */
export interface TicketResponse {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export interface TicketHttpOptions {
  /** Per request. */
  timeoutMs?: number;
  /** A Retry-After longer than this is not waited for: the answer goes back and the person presses Retry later. */
  maxRetryWaitMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

export interface TicketRequest {
  /** "GitHub", "Jira": the start of every sentence about it. */
  service: string;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}

/** A 429, or GitHub's 403 for its primary (x-ratelimit-remaining: 0) and secondary (Retry-After) rate limits. */
export const rateLimited = (res: { status: number; headers: Headers }) =>
  res.status === 429 || (res.status === 403 && (res.headers.get('x-ratelimit-remaining') === '0' || res.headers.has('retry-after')));

/**
 * One JSON request to a ticket system, retried once when it may succeed a moment later: a 429 (or
 * GitHub's rate-limit 403) after its Retry-After, and a 5xx. A create (POST) is retried after a 5xx
 * only when it is 503: after a 500, 502 or 504 the ticket may exist already, and filing it twice is
 * worse than a Retry button. A timeout is not retried for the same reason. Errors are one sentence.
 */
export async function ticketRequest(req: TicketRequest, opts: TicketHttpOptions = {}): Promise<TicketResponse> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const maxWait = opts.maxRetryWaitMs ?? 30_000;
  const sleep = opts.sleep ?? ((ms: number) => delay(ms));
  const creates = req.method === 'POST';
  let res = await send(req, timeoutMs);
  const retryable = rateLimited(res) || (res.status >= 500 && (!creates || res.status === 503));
  if (retryable) {
    const wait = retryAfterMs(res.headers) ?? 1000;
    if (wait <= maxWait) {
      await res.arrayBuffer().catch(() => undefined);
      await sleep(wait);
      res = await send(req, timeoutMs);
    }
  }
  const text = await res.text().catch(() => '');
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: res.status, headers: res.headers, text, json };
}

async function send(req: TicketRequest, timeoutMs: number): Promise<Response> {
  const host = new URL(req.url).host;
  try {
    return await fetch(req.url, {
      method: req.method,
      headers: { accept: 'application/json', ...req.headers, ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string } };
    if (e.name === 'TimeoutError') {
      const s = duration(timeoutMs, 'seconds');
      throw new TicketError(
        req.method === 'POST'
          ? `${req.service} (${host}) did not answer within ${s}; the ticket may have been filed anyway, so look there before pressing Retry.`
          : `${req.service} (${host}) did not answer within ${s}; press Retry later.`,
      );
    }
    const code = e.cause?.code === 'ECONNREFUSED' ? 'connection refused' : (e.cause?.code ?? e.cause?.message ?? (err as Error).message);
    throw new TicketError(`${req.service} (${host}) could not be reached (${code}); press Retry when it is back.`);
  }
}

/** Retry-After (seconds or an HTTP date), else GitHub's x-ratelimit-reset (epoch seconds). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const h = headers.get('retry-after');
  if (h) {
    const s = Number(h);
    if (Number.isFinite(s)) return Math.max(0, s * 1000);
    const at = Date.parse(h);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) return Math.max(0, reset * 1000 - now);
  return null;
}

/** "press Retry in 40 s" / "in 5 min", from the answer's Retry-After; "shortly" without one. */
export function retryHint(headers: Headers): string {
  const ms = retryAfterMs(headers);
  if (ms === null) return 'press Retry shortly';
  return `press Retry in ${duration(ms, 'wait')}`;
}
