import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Logger } from '../../core/ports.js';
import type { HttpRequest, HttpResponse } from '../../http/router.js';
import { json } from '../../http/server.js';
import { verifySlackSignature } from './verify-signature.js';

/** Slack must have its answer within 3 s; if no listener acknowledged by then, we answer anyway. */
const ACK_DEADLINE_MS = 2500;

function header(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * A Bolt Receiver fed by our one HTTP server (POST /slack/events) instead of a server of its own.
 * It verifies the signature (and the 5-minute window both ways) before anything is parsed, hands
 * the body to Bolt, and answers the HTTP request as soon as a listener calls ack().
 */
export class RouterReceiver implements Receiver {
  private app: App | undefined;

  constructor(
    private readonly signingSecret: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    /**
     * Admission control (chat.max_waiting) asked before Bolt sees a slash command: null, or the busy
     * sentence, which is then the acknowledgement itself. A refusal costs the signature check and
     * the answer only; under a burst most deliveries are refusals, and Bolt's middleware for each was
     * a fifth of the acking thread (docs/benchmarks.md, Ack benchmark).
     */
    private readonly refuse?: () => string | null,
  ) {}

  init(app: App): void {
    this.app = app;
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  async handle(req: HttpRequest): Promise<HttpResponse> {
    const verified = verifySlackSignature(this.signingSecret, req.headers, req.rawBody, this.now());
    if (!verified.ok) {
      this.logger.warn({ path: req.path, remote: req.remoteAddress, reason: verified.reason }, `Rejected a Slack request: ${verified.reason}`);
      return json(401, { error: 'invalid Slack signature' });
    }
    const body = parseBody(req);
    if (body === 'bad-type') return json(400, { error: 'Slack requests are application/x-www-form-urlencoded or application/json' });
    if (body === 'bad-body') return json(400, { error: 'malformed Slack request body' });
    if (body.ssl_check !== undefined) return { status: 200 };
    if (body.type === 'url_verification') return json(200, { challenge: body.challenge });
    const app = this.app;
    if (!app) return json(503, { error: 'Slack is not ready yet' });
    if (this.refuse && typeof body.command === 'string') {
      const busy = this.refuse();
      if (busy !== null) return json(200, { response_type: 'ephemeral', text: busy });
    }

    const retry = header(req, 'x-slack-retry-num');
    return new Promise<HttpResponse>((resolve) => {
      let answered = false;
      const answer = (r: HttpResponse) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        resolve(r);
      };
      const timer = setTimeout(() => answer({ status: 200 }), ACK_DEADLINE_MS);
      const event: ReceiverEvent = {
        body,
        retryNum: retry !== undefined && /^\d+$/.test(retry) ? Number(retry) : undefined,
        retryReason: header(req, 'x-slack-retry-reason'),
        ack: async (response?: unknown) => {
          if (response === undefined || response === '') answer({ status: 200 });
          else if (typeof response === 'string') answer({ status: 200, headers: { 'content-type': 'text/plain' }, body: response });
          else answer(json(200, response));
        },
      };
      app.processEvent(event).then(
        () => answer({ status: 200 }),
        (err: unknown) => {
          this.logger.error({ err }, 'Slack event processing failed');
          answer({ status: 200 });
        },
      );
    });
  }
}

function parseBody(req: HttpRequest): Record<string, unknown> | 'bad-type' | 'bad-body' {
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const text = req.rawBody.toString('utf8');
  try {
    if (type === 'application/x-www-form-urlencoded') {
      const form = new URLSearchParams(text);
      const payload = form.get('payload');
      // Interactions arrive as one form field holding JSON; slash commands as plain form fields.
      const parsed: unknown = payload !== null ? JSON.parse(payload) : Object.fromEntries(form);
      return isObject(parsed) ? parsed : 'bad-body';
    }
    if (type === 'application/json') {
      const parsed: unknown = JSON.parse(text);
      return isObject(parsed) ? parsed : 'bad-body';
    }
  } catch {
    return 'bad-body';
  }
  return 'bad-type';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
