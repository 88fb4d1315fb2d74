import type { IncomingHttpHeaders } from 'node:http';
import { sign, verify } from './signed-links.js';

/**
 * Who may open a private page: whoever holds a link Firebreak signed (it names one path and expires),
 * or, when `web.auth.trusted_header` is set, a request that an authenticating proxy vouched for.
 */
export type Access =
  | { ok: true; via: 'signature'; viewer: null; expiresAt: Date }
  | { ok: true; via: 'trusted-header'; viewer: string }
  | { ok: false; message: string };

export interface AccessRequest {
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
}

/** The proxy's user, when the header is configured and present (first value, trimmed, at most 200 characters). */
export function trustedViewer(headers: IncomingHttpHeaders, header: string | undefined): string | null {
  if (!header) return null;
  const raw = headers[header.toLowerCase()];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value ? value.slice(0, 200) : null;
}

export function checkAccess(req: AccessRequest, secret: string, now: Date, trustedHeader: string | undefined): Access {
  const viewer = trustedViewer(req.headers, trustedHeader);
  if (viewer) return { ok: true, via: 'trusted-header', viewer };
  const check = verify(req.path, req.query, secret, now);
  if (!check.ok) return { ok: false, message: check.message };
  return { ok: true, via: 'signature', viewer: null, expiresAt: check.expiresAt };
}

/**
 * A link from one private page to another: signed with the same expiry as the link that opened this
 * page (a page never hands out a longer life than it was given), or the plain path behind the proxy.
 */
export function linkFrom(access: Access & { ok: true }, path: string, secret: string, query = ''): string {
  if (access.via === 'trusted-header') return query ? `${path}?${query}` : path;
  const signed = sign(path, access.expiresAt, secret);
  return query ? `${signed}&${query}` : signed;
}
