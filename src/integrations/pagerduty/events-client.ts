import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { PagingError, type PageTrigger, type PagingPort } from '../../core/paging-port.js';
import { cut, duration } from '../../core/text-format.js';

/** PagerDuty's limits on an event (Events API v2): longer values are refused with 400. */
const LIMITS = { summary: 1024, source: 255, dedupKey: 255 } as const;

/** What PagerDuty answers: 202 {status:"success", message:"Event processed", dedup_key}; 400 {status:"invalid event", message, errors}. */
const answerSchema = z.object({ status: z.string().optional(), message: z.string().optional(), errors: z.array(z.string()).optional() }).passthrough();

export interface PagerDutyEventsOptions {
  routingKey: string;
  /** Base URL; events go to POST {apiUrl}/v2/enqueue. */
  apiUrl?: string;
  /** Per request; a request that takes longer is abandoned and retried. */
  timeoutMs?: number;
  /** Requests per event, the first included: 429, 5xx and network errors are tried again. */
  attempts?: number;
  /** First wait between attempts; doubled each time. */
  backoffMs?: number;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<unknown>;
}

type EventAction = 'trigger' | 'acknowledge' | 'resolve';

/** A try that may succeed next time (429, 5xx, no answer), as opposed to a refusal (4xx). */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
  }
}


/**
 * PagerDuty's Events API v2: trigger, acknowledge and resolve an incident by dedup_key. Retries are
 * a small loop rather than p-retry: which answers are worth retrying (429 and 5xx, not 400) and the
 * Retry-After wait are PagerDuty's own rules, and fetch already gives the timeout.
 */
export class PagerDutyEvents implements PagingPort {
  readonly name = 'PagerDuty';
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly sleep: (ms: number) => Promise<unknown>;

  constructor(private readonly opts: PagerDutyEventsOptions) {
    this.url = `${(opts.apiUrl ?? 'https://events.pagerduty.com').replace(/\/+$/, '')}/v2/enqueue`;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.backoffMs = opts.backoffMs ?? 500;
    this.sleep = opts.sleep ?? ((ms) => sleep(ms));
  }

  trigger(e: PageTrigger): Promise<void> {
    return this.send('trigger', e.dedupKey, {
      payload: {
        summary: cut(e.summary, LIMITS.summary),
        source: cut(e.source, LIMITS.source),
        severity: e.severity,
        ...(e.timestamp ? { timestamp: e.timestamp.toISOString() } : {}),
        ...(e.details && Object.keys(e.details).length > 0 ? { custom_details: e.details } : {}),
      },
      ...(e.links && e.links.length > 0 ? { links: e.links } : {}),
      client: 'Firebreak',
    });
  }

  acknowledge(dedupKey: string): Promise<void> {
    return this.send('acknowledge', dedupKey, {});
  }

  resolve(dedupKey: string): Promise<void> {
    return this.send('resolve', dedupKey, {});
  }

  private async send(action: EventAction, dedupKey: string, rest: Record<string, unknown>): Promise<void> {
    if (dedupKey.length === 0 || dedupKey.length > LIMITS.dedupKey) throw new PagingError(`PagerDuty needs a dedup key of 1–${LIMITS.dedupKey} characters; got ${dedupKey.length}.`);
    const body = JSON.stringify({ routing_key: this.opts.routingKey, event_action: action, dedup_key: dedupKey, ...rest });
    let last = '';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        await this.post(body);
        return;
      } catch (err) {
        if (!(err instanceof Retryable)) throw err;
        last = err.message;
        if (attempt === this.attempts) break;
        const backoff = this.backoffMs * 2 ** (attempt - 1);
        await this.sleep(Math.min(30_000, Math.max(backoff, err.retryAfterMs ?? 0)));
      }
    }
    throw new PagingError(`${last}; gave up after ${this.attempts} attempt${this.attempts === 1 ? '' : 's'} to ${action}.`);
  }

  private async post(body: string): Promise<void> {
    const host = new URL(this.url).host;
    let res: Response;
    try {
      res = await fetch(this.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body, signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string } };
      if (e.name === 'TimeoutError') throw new Retryable(`PagerDuty (${host}) did not answer within ${duration(this.timeoutMs, 'seconds')}`);
      throw new Retryable(`PagerDuty (${host}) could not be reached: ${e.cause?.code === 'ECONNREFUSED' ? 'connection refused' : (e.cause?.code ?? (err as Error).message)}`);
    }
    const text = await res.text().catch(() => '');
    if (res.status === 202 || res.status === 200) return;
    let answer: z.infer<typeof answerSchema> = {};
    try {
      answer = answerSchema.parse(JSON.parse(text));
    } catch {
      answer = {};
    }
    if (res.status === 429) throw new Retryable(`PagerDuty is rate limiting events (429)`, retryAfter(res.headers.get('retry-after')));
    if (res.status >= 500) throw new Retryable(`PagerDuty failed (${res.status}${answer.message ? ` ${answer.message}` : ''})`);
    const errors = answer.errors ?? [];
    const reason = errors.length > 0 ? errors.join('; ') : (answer.message ?? (text.slice(0, 200) || res.statusText));
    if (errors.some((e) => /routing.?key/i.test(e)) || res.status === 401 || res.status === 403 || res.status === 404) {
      throw new PagingError(`PagerDuty refused the routing key (${res.status} ${reason}); alerts.pagerduty.routing_key must be the integration key of an Events API v2 integration.`);
    }
    throw new PagingError(`PagerDuty refused the event (${res.status} ${reason}).`);
  }
}

function retryAfter(header: string | null): number | null {
  if (!header) return null;
  const s = Number(header);
  if (Number.isFinite(s)) return s * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}
