import { timingSafeEqual } from 'node:crypto';
import type { z } from 'zod';
import { ingestNotification } from '../alerts/ingest.js';
import type { AlertNotification } from '../alerts/model.js';
import { interceptWatchdog } from '../alerts/watchdog.js';
import { alertmanagerPayloadSchema, fromAlertmanager } from '../alerts/payloads/alertmanager.js';
import { fromGrafana, grafanaPayloadSchema } from '../alerts/payloads/grafana.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { Logger } from '../core/ports.js';
import { isRefusedValue } from '../core/store-outage.js';
import type { AlertsPorts } from '../alerts/ports.js';
import type { HttpRequest, HttpResponse, Router } from './router.js';
import { json } from './server.js';

export const ALERTMANAGER_WEBHOOK_PATH = '/webhooks/alertmanager';
export const GRAFANA_WEBHOOK_PATH = '/webhooks/grafana';

export interface AlertWebhookMetrics {
  alertsReceived(source: string, count: number): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Headers a reverse proxy adds: their request came from elsewhere, whatever the socket says. */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/** How often a refused proxied request is told in the log: once is enough to be seen, a flood is not logged whole. */
const PROXY_WARNING_EVERY_MS = 10 * 60_000;

function proxyHeaderOf(req: HttpRequest): string | null {
  return PROXY_HEADERS.find((h) => req.headers[h] !== undefined) ?? null;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The first problem of a body, as "alerts.0.startsAt: must be an RFC 3339 time". */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'the body is not a valid payload';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

/**
 * POST /webhooks/alertmanager and /webhooks/grafana. 2xx only once the alerts are stored (and their
 * cards marked to be shown); a store failure is 503 so the sender retries, and the retry is stored
 * once (dedupe). Bad JSON or shape: 400 naming the first bad field. Text the store cannot hold
 * (NUL, lone surrogates, keys too long to index, times no calendar has) is made storable as the
 * body is parsed (src/alerts/storable.ts), so a payload never fails on every retry; should the store
 * still refuse a value, that is 400 too, because a retry of the same body would fail the same way.
 */
export function registerAlertWebhooks(
  router: Router,
  deps: {
    config: FirebreakConfig;
    ports: AlertsPorts;
    logger: Logger;
    metrics: AlertWebhookMetrics;
    /** Something new was stored: the outbox worker looks at once rather than at its next poll. */
    onStored?: () => void;
  },
): { loopbackOnly: boolean } {
  const token = deps.config.alerts.token;
  let proxyWarnedAt = -Infinity;
  const handle = async <S extends z.ZodType>(req: HttpRequest, source: 'alertmanager' | 'grafana', schema: S, normalize: (p: z.infer<S>) => AlertNotification): Promise<HttpResponse> => {
    if (token) {
      const auth = req.headers.authorization ?? '';
      const given = /^Bearer (.+)$/i.exec(auth)?.[1] ?? '';
      if (!sameSecret(given, token)) return json(401, { error: 'missing or wrong bearer token (alerts.token); set http_config.authorization in the sender' });
    } else if (!LOOPBACK.has(req.remoteAddress)) {
      return json(403, { error: 'this Firebreak accepts alert webhooks from loopback only; set alerts.token and send it as a bearer token' });
    } else {
      // A reverse proxy on this machine connects from loopback for everyone it serves: without a
      // token, the request's own origin is elsewhere and cannot be checked.
      const header = proxyHeaderOf(req);
      if (header !== null) {
        if (Date.now() - proxyWarnedAt >= PROXY_WARNING_EVERY_MS) {
          proxyWarnedAt = Date.now();
          deps.logger.warn(
            { source, header },
            `Refused an alert webhook that came through a proxy (it carries ${header}): without alerts.token only senders on this machine are accepted, and behind a proxy every sender looks local. Set alerts.token and send it as a bearer token.`,
          );
        }
        return json(403, { error: `this request came through a proxy (${header}); without alerts.token Firebreak accepts alert webhooks only from this machine: set alerts.token and send it as a bearer token` });
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(req.rawBody.toString('utf8'));
    } catch {
      return json(400, { error: 'body must be JSON' });
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) return json(400, { error: firstProblem(parsed.error) });
    const notification = normalize(parsed.data);
    deps.metrics.alertsReceived(source, notification.alerts.length);
    try {
      const ingest = async (n: AlertNotification) => {
        const r = await ingestNotification(deps.ports, deps.config, n);
        if (r.stored) deps.onStored?.();
        return r;
      };
      const watchdog = deps.ports.watchdog;
      // The Watchdog gets no card: its arrival is noted (and a raised silent alert resolved), the rest goes on.
      const rest = watchdog ? await interceptWatchdog(deps.config, { store: watchdog, logger: deps.logger, redactor: deps.ports.redactor, ingest }, notification, new Date()) : notification;
      if (!rest) return json(200, { status: 'ok', stored: false, watchdog: true });
      const result = await ingest(rest);
      return json(200, { status: 'ok', stored: result.stored, group: result.group.id });
    } catch (err) {
      const why = deps.ports.redactor.redact(err instanceof Error ? err.message : String(err));
      if (isRefusedValue(err)) {
        deps.logger.error({ err: why, source, groupKey: notification.groupKey }, 'The store refused a value of an alert notification; answered 400, a retry would fail the same way');
        return json(400, { error: `Firebreak's database refused a value in this notification (${why}); a retry of the same body fails the same way` });
      }
      deps.logger.error({ err: why, source, groupKey: notification.groupKey }, 'Could not store an alert notification; answered 503 so the sender retries');
      return json(503, { error: 'Firebreak could not store the alerts right now; retry' });
    }
  };
  router.add('POST', ALERTMANAGER_WEBHOOK_PATH, (req) => handle(req, 'alertmanager', alertmanagerPayloadSchema, fromAlertmanager));
  router.add('POST', GRAFANA_WEBHOOK_PATH, (req) => handle(req, 'grafana', grafanaPayloadSchema, fromGrafana));
  return { loopbackOnly: !token };
}

/** Said once the server listens (a start that fails says only why it failed). */
export const LOOPBACK_ONLY_WARNING =
  'Alert webhooks accept requests from this machine only (loopback), and refuse any that came through a proxy (X-Forwarded-For, Forwarded): set alerts.token in the config to accept Alertmanager or Grafana from elsewhere (Authorization: Bearer <token>).';
