import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { z } from 'zod';
import type { httpCheckSchema } from '../../config/schema.js';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

/** Enough to find a health marker or read a health document; a probe must not buffer a huge page. */
export const MAX_BODY_BYTES = 1024 * 1024;

export function stripCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|password|sig/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url;
  }
}

/** A stray '%' in a password is taken literally rather than failing the probe with "URI malformed". */
function decodeLenient(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** `user:password@` in the URL becomes a Basic Authorization header, as curl does (ClickHouse's /ping, for one, is configured like this). */
export function basicAuthHeader(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const user = decodeLenient(url.username);
  const password = decodeLenient(url.password);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  body: string;
  /** The body was longer than MAX_BODY_BYTES and was cut there. */
  truncated: boolean;
}

/** What a probe needs to send: the http check's fields, or the json check's with GET. */
export interface HttpProbeRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
}

/** How much of the body to read: none (the status is the answer), until a marker is seen, or all of it (JSON). */
export type BodyWanted = { read: 'none' } | { read: 'until'; marker: string } | { read: 'all' };

/**
 * node:http rather than fetch: fetch refuses URLs with credentials and the WHATWG "bad ports"
 * (6000, 6665–6669, 10080, …), and a health check must be able to reach whatever the service uses.
 */
export function sendHttp(check: HttpProbeRequest, wanted: BodyWanted, signal: AbortSignal, onRequest: (destroy: () => void) => void): Promise<HttpResponse> {
  const url = new URL(check.url);
  const headers: Record<string, string> = { ...check.headers };
  const auth = basicAuthHeader(url);
  const hasAuthorization = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  // An Authorization header given in the config is more specific than credentials in the URL.
  if (auth !== undefined && !hasAuthorization) headers.authorization = auth;
  url.username = '';
  url.password = '';
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<HttpResponse>((resolve, reject) => {
    // agent: false — a fresh connection each time, so a probe measures connecting too and never rides on a pooled socket.
    const req = request(url, { method: check.method, headers, signal, agent: false }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const statusText = res.statusMessage ?? '';
      // The status line is the answer unless the body is checked: a streaming endpoint (SSE) or a
      // large page must not read as a timeout because its body never ends.
      if (wanted.read === 'none') {
        resolve({ status, statusText, body: '', truncated: false });
        res.destroy();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        resolve({ status, statusText, body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'), truncated: size >= MAX_BODY_BYTES });
        res.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Stop reading once the marker is seen or enough has been read to judge.
        if (size >= MAX_BODY_BYTES || (wanted.read === 'until' && Buffer.concat(chunks).includes(wanted.marker))) done();
      });
      res.once('end', done);
      res.once('error', reject);
    });
    onRequest(() => req.destroy());
    req.once('error', reject);
    req.end();
  });
}

export async function probeHttp(check: z.infer<typeof httpCheckSchema>): Promise<ProbeResult> {
  const target = stripCredentials(check.url);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  let destroy: (() => void) | undefined;
  try {
    return await withTimeout(
      check.timeout_ms,
      async (signal) => {
        const marker = check.method === 'HEAD' ? undefined : check.body_contains;
        const wanted: BodyWanted = marker === undefined ? { read: 'none' } : { read: 'until', marker };
        const res = await sendHttp(check, wanted, signal, (d) => (destroy = d));
        const ms = latency();
        if (res.status !== check.expect_status) {
          return { ok: false, latencyMs: ms, target, detail: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} (expected ${check.expect_status})` };
        }
        if (check.body_contains !== undefined && !res.body.includes(check.body_contains)) {
          return { ok: false, latencyMs: ms, target, detail: `HTTP ${res.status} but the body does not contain "${check.body_contains}"` };
        }
        return { ok: true, latencyMs: ms, target, detail: `HTTP ${res.status}` };
      },
      () => destroy?.(),
    );
  } catch (err) {
    return { ok: false, latencyMs: latency(), target, detail: describeNetworkError(err) };
  }
}
