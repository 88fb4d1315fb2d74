import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An event as PagerDuty received it (the parsed JSON body of POST /v2/enqueue). */
export interface PagerDutyEvent {
  routing_key: string;
  event_action: 'trigger' | 'acknowledge' | 'resolve';
  dedup_key?: string;
  payload?: { summary: string; source: string; severity: string; timestamp?: string; custom_details?: Record<string, unknown> };
  links?: { href: string; text?: string }[];
  client?: string;
}

export type PagerDutyIncidentState = 'triggered' | 'acknowledged' | 'resolved';

export interface FakePagerDuty {
  /** http://127.0.0.1:PORT — what alerts.pagerduty.api_url takes. */
  url: string;
  /** Every event accepted with 202, in order. */
  events: PagerDutyEvent[];
  /** Every request, accepted or not, with the status it got. */
  requests: { status: number; body: unknown }[];
  /** The state of each incident by dedup_key, as PagerDuty would show it. */
  incidents: Map<string, PagerDutyIncidentState>;
  /** The next `n` requests get 429 (PagerDuty's rate limit), then events are accepted again. */
  rateLimitNext(n: number): void;
  /** The next `n` requests get this 5xx. */
  failNext(n: number, status?: number): void;
  close(): Promise<void>;
}

const SEVERITIES = ['critical', 'error', 'warning', 'info'];

/**
 * A local PagerDuty Events API v2: POST /v2/enqueue answers 202 {status, message, dedup_key} like
 * the real one, 400 "invalid event" with PagerDuty's error list for a wrong routing key or a bad
 * payload, and 429/5xx when told to. It keeps each incident's state by dedup_key: an acknowledge
 * or resolve for a key it never saw triggered changes nothing, as on PagerDuty.
 */
export async function startFakePagerDuty(opts: { routingKey: string }): Promise<FakePagerDuty> {
  const events: PagerDutyEvent[] = [];
  const requests: { status: number; body: unknown }[] = [];
  const incidents = new Map<string, PagerDutyIncidentState>();
  let rateLimited = 0;
  let failing = 0;
  let failStatus = 503;
  let generated = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (status: number, body: unknown, parsed: unknown) => {
        requests.push({ status, body: parsed });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return send(400, { status: 'invalid event', message: 'Event object is invalid', errors: ['Malformed JSON'] }, null);
      }
      if (req.method !== 'POST' || req.url !== '/v2/enqueue') return send(404, { status: 'not found', message: 'Not Found' }, body);
      if (rateLimited > 0) {
        rateLimited--;
        return send(429, { status: 'throttle event', message: 'Requests for this service are arriving too quickly. Please retry later.' }, body);
      }
      if (failing > 0) {
        failing--;
        return send(failStatus, { status: 'error', message: 'Internal Server Error' }, body);
      }
      const e = body as Partial<PagerDutyEvent>;
      const errors: string[] = [];
      if (typeof e.routing_key !== 'string' || e.routing_key.length !== 32) errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
      else if (e.routing_key !== opts.routingKey) errors.push('Invalid routing key');
      if (!['trigger', 'acknowledge', 'resolve'].includes(String(e.event_action))) errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
      if (e.event_action !== 'trigger' && !e.dedup_key) errors.push("'dedup_key' is missing or blank");
      if (e.dedup_key && e.dedup_key.length > 255) errors.push("'dedup_key' is too long (max 255 characters)");
      if (e.event_action === 'trigger') {
        const p = e.payload;
        if (!p?.summary) errors.push("'payload.summary' is missing or blank");
        else if (p.summary.length > 1024) errors.push("'payload.summary' is too long (max 1024 characters)");
        if (!p?.source) errors.push("'payload.source' is missing or blank");
        if (!p || !SEVERITIES.includes(p.severity)) errors.push("'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')");
      }
      if (errors.length > 0) return send(400, { status: 'invalid event', message: 'Event object is invalid', errors }, body);
      const event = e as PagerDutyEvent;
      const key = event.dedup_key ?? `generated-${++generated}`;
      events.push(event);
      const state = incidents.get(key);
      if (event.event_action === 'trigger' && state !== 'triggered' && state !== 'acknowledged') incidents.set(key, 'triggered');
      if (event.event_action === 'acknowledge' && state === 'triggered') incidents.set(key, 'acknowledged');
      if (event.event_action === 'resolve' && (state === 'triggered' || state === 'acknowledged')) incidents.set(key, 'resolved');
      send(202, { status: 'success', message: 'Event processed', dedup_key: key }, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    incidents,
    rateLimitNext(n) {
      rateLimited = n;
    },
    failNext(n, status = 503) {
      failing = n;
      failStatus = status;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
