import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { stringify } from 'node:querystring';
import { webApi } from '@slack/bolt';
import pRetry from 'p-retry';

/**
 * The Web API methods every answer goes through (chat.postMessage, chat.update, chat.postEphemeral),
 * posted on a keep-alive connection instead of through @slack/web-api's WebClient. Measured (the ack
 * benchmark's CPU profile, docs/benchmarks.md): under a burst of commands a third of the thread that
 * acknowledges Slack went into the WebClient: `fetch` (undici's WHATWG machinery), its request queue
 * and retry wrappers, and a `JSON.stringify(redact(body))` for a debug line on every call, made even
 * when debug logging is off. The rest of the Web API (channels, users, views) stays on the WebClient.
 *
 * It speaks to Slack the way the WebClient does, so nothing else changes: the same form encoding
 * (objects as JSON strings), the Bearer token, and the same errors (the WebClient's error codes:
 * `slack_webapi_platform_error` with `data.error`, `slack_webapi_rate_limited_error` with
 * `retryAfter` in seconds, `slack_webapi_http_error`, `slack_webapi_request_error`), so api.ts's
 * translation and the pacer's Retry-After handling read them unchanged. Like the WebClient's
 * retryConfig there, a failed connection or a 5xx is tried twice more (200 ms, then 400 ms); a 429
 * goes back to the pacer at once, and Slack's `ok: false` answers are never retried.
 */
export class SlackMessageCalls {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;

  constructor(
    private readonly token: string,
    /** The Web API's base URL, ending in `/` (https://slack.com/api/ or SLACK_API_URL). */
    apiUrl: string,
    private readonly timeoutMs: number,
    private readonly retries = 2,
  ) {
    this.base = new URL(apiUrl);
    const https = this.base.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets: 100 }) : new HttpAgent({ keepAlive: true, maxSockets: 100 });
    this.send = https ? httpsRequest : httpRequest;
  }

  async call(method: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const body = stringify(
      Object.fromEntries(
        Object.entries(args)
          .filter(([, v]) => v !== undefined && v !== null)
          .map(([k, v]) => [k, typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v)]),
      ),
    );
    // p-retry as elsewhere: only Error objects with the codes below are tried again.
    return pRetry(() => this.once(method, body), {
      retries: this.retries,
      minTimeout: 200,
      factor: 2,
      randomize: false,
      shouldRetry: ({ error }) => {
        const code = (error as { code?: unknown }).code;
        return code === webApi.ErrorCode.RequestError || (code === webApi.ErrorCode.HTTPError && ((error as { statusCode?: number }).statusCode ?? 0) >= 500);
      },
    });
  }

  private once(method: string, body: string): Promise<Record<string, unknown>> {
    const url = new URL(method, this.base);
    return new Promise((resolve, reject) => {
      const req = this.send(
        url,
        {
          method: 'POST',
          agent: this.agent,
          timeout: this.timeoutMs,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
        },
        (res) => void read(res).then((text) => resolve(answer(method, res, text)), reject).catch(reject),
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (err) => reject(slackError(webApi.ErrorCode.RequestError, `A request error occurred: ${err.message}`, { original: err })));
      req.end(body);
    });
  }
}

function read(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d));
    res.on('end', () => resolve(text));
    res.on('error', (err) => reject(slackError(webApi.ErrorCode.RequestError, `A request error occurred: ${err.message}`, { original: err })));
  });
}

/** The answer, or the error the WebClient would have thrown for it. */
function answer(method: string, res: IncomingMessage, text: string): Record<string, unknown> {
  const status = res.statusCode ?? 0;
  if (status === 429) {
    const retryAfter = Number.parseInt(String(res.headers['retry-after'] ?? ''), 10);
    throw slackError(webApi.ErrorCode.RateLimitedError, `A rate-limit has been reached, you may retry this request in ${retryAfter} seconds`, { retryAfter: Number.isNaN(retryAfter) ? undefined : retryAfter });
  }
  if (status !== 200) throw slackError(webApi.ErrorCode.HTTPError, `An HTTP protocol error occurred: statusCode = ${status}`, { statusCode: status, body: text });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw slackError(webApi.ErrorCode.RequestError, `Slack answered ${method} with something that is not JSON`, {});
  }
  if (typeof data !== 'object' || data === null) throw slackError(webApi.ErrorCode.RequestError, `Slack answered ${method} with something that is not an object`, {});
  const result = data as Record<string, unknown>;
  if (result.ok !== true) throw slackError(webApi.ErrorCode.PlatformError, `An API error occurred: ${String(result.error)}`, { data: result });
  return result;
}

function slackError(code: string, message: string, extra: Record<string, unknown>): Error {
  return Object.assign(new Error(message), { code }, extra);
}
