import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Slack's replay window. Bolt's own check rejects only old timestamps; we also reject future ones. */
export const MAX_SKEW_S = 5 * 60;

export type VerifyResult = { ok: true } | { ok: false; status: 401; reason: string };

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function slackSignature(signingSecret: string, timestamp: string | number, body: string | Buffer): string {
  const hmac = createHmac('sha256', signingSecret);
  hmac.update(`v0:${timestamp}:`);
  hmac.update(body);
  return `v0=${hmac.digest('hex')}`;
}

/**
 * Slack request signing (https://api.slack.com/authentication/verifying-requests-from-slack):
 * HMAC-SHA256 of "v0:{timestamp}:{raw body}" with the signing secret, compared in constant time,
 * and the timestamp within five minutes of our clock in either direction.
 */
export function verifySlackSignature(signingSecret: string, headers: IncomingHttpHeaders, rawBody: Buffer, nowMs: number = Date.now()): VerifyResult {
  const ts = header(headers, 'x-slack-request-timestamp');
  const sig = header(headers, 'x-slack-signature');
  if (!ts || !sig) return { ok: false, status: 401, reason: 'missing X-Slack-Signature or X-Slack-Request-Timestamp' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, status: 401, reason: 'X-Slack-Request-Timestamp is not a number' };
  const skew = Math.abs(Math.floor(nowMs / 1000) - Number(ts));
  if (skew > MAX_SKEW_S) return { ok: false, status: 401, reason: `timestamp is ${skew} s away from now (limit ${MAX_SKEW_S} s)` };
  const expected = Buffer.from(slackSignature(signingSecret, ts, rawBody));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, status: 401, reason: 'signature mismatch' };
  return { ok: true };
}
