import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { utc } from '../postmortems/draft-format.js';

/**
 * Links posted in chat (the post-mortem draft now, the web pages later) are signed: an HMAC-SHA256
 * over the path and an expiry, so whoever holds the link can open that one page until it expires,
 * and changing the path, the expiry or the signature makes it worthless. Nothing is stored per
 * link; every replica that has the secret verifies every link.
 */
export const DEFAULT_LINK_TTL_MS = 7 * 24 * 3600 * 1000;

function mac(path: string, exp: string, secret: string): Buffer {
  // The newline cannot occur in a path, so no other path + expiry signs the same bytes.
  return createHmac('sha256', secret).update(`${path}\n${exp}`).digest();
}

function checkPath(path: string): void {
  if (!path.startsWith('/') || /[?#\s]/.test(path)) throw new Error(`a signed link's path must start with / and have no query, fragment or spaces, got ${JSON.stringify(path.slice(0, 80))}`);
}

/** `path?exp=<unix seconds>&sig=<base64url HMAC-SHA256 of path and exp>`. */
export function sign(path: string, expiresAt: Date, secret: string): string {
  checkPath(path);
  const exp = String(Math.floor(expiresAt.getTime() / 1000));
  return `${path}?exp=${exp}&sig=${mac(path, exp, secret).toString('base64url')}`;
}

export type LinkCheck = { ok: true; expiresAt: Date } | { ok: false; reason: 'unsigned' | 'tampered' | 'expired'; message: string };

/**
 * Whether `path` with this query is a link we signed that has not expired. The signature is checked
 * before the expiry, so a forged expiry is "tampered", never "expired".
 */
export function verify(path: string, query: URLSearchParams, secret: string, now: Date): LinkCheck {
  const exp = query.get('exp');
  const sig = query.get('sig');
  if (exp === null || sig === null) return { ok: false, reason: 'unsigned', message: 'This link is not signed: open the link Firebreak posted in chat.' };
  const tampered: LinkCheck = { ok: false, reason: 'tampered', message: 'This link has been changed or is incomplete: open the link Firebreak posted in chat, exactly as posted.' };
  if (!/^\d{1,12}$/.test(exp) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) return tampered;
  // Compared as text, not as decoded bytes: the last of 43 characters carries 4 bits and the decoder
  // ignores its other 2, so 4 spellings decode to the same MAC. Only the canonical one is ours.
  const given = Buffer.from(sig, 'latin1');
  const expected = Buffer.from(mac(path, exp, secret).toString('base64url'), 'latin1');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return tampered;
  const expiresAt = new Date(Number(exp) * 1000);
  if (expiresAt.getTime() <= now.getTime()) {
    return { ok: false, reason: 'expired', message: `This link expired at ${utc(expiresAt)} UTC: ask for a fresh one in chat (/incident postmortem posts the draft's link again).` };
  }
  return { ok: true, expiresAt };
}

/** The full URL to post in chat: the public base (FIREBREAK_PUBLIC_URL) + the signed path. */
export function signedUrl(publicUrl: string, path: string, secret: string, now: Date, ttlMs = DEFAULT_LINK_TTL_MS): string {
  return `${publicUrl.replace(/\/+$/, '')}${sign(path, new Date(now.getTime() + ttlMs), secret)}`;
}

/** The path of an incident's timeline page (what the Open timeline button links to, signed). */
export function timelinePath(incidentId: string): string {
  return `/incidents/${encodeURIComponent(incidentId)}`;
}

/** The path of an incident's Markdown post-mortem draft (what GET /incidents/:id/postmortem.md serves). */
export function postmortemPath(incidentId: string): string {
  return `/incidents/${encodeURIComponent(incidentId)}/postmortem.md`;
}

/** Where the generated secret is kept (src/store/link-secret-repository.ts). */
export interface LinkSecretStore {
  /** The stored secret; `candidate` becomes it when there is none yet. Every caller gets the same one. */
  getOrCreate(candidate: string): Promise<string>;
}

/**
 * The signing secret: FIREBREAK_LINK_SECRET when set, else one generated once and kept in the
 * store, so every replica signs and verifies with the same. Read once and remembered; a failed read
 * is tried again on the next call.
 */
export function linkSecret(fromEnv: string | undefined, store: LinkSecretStore): () => Promise<string> {
  if (fromEnv) return () => Promise.resolve(fromEnv);
  let pending: Promise<string> | null = null;
  return () => {
    pending ??= store.getOrCreate(randomBytes(32).toString('base64url')).catch((err: unknown) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}
