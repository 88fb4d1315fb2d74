import { readFileSync } from 'node:fs';
import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/**
 * Pages are rendered by preact-render-to-string: every interpolated value is escaped by the renderer,
 * so a title, note or alert label from chat is text on the page, never markup. Nothing here builds
 * HTML by concatenating strings.
 */
export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * No inline script or style at all, scripts and styles only from this origin (the one stylesheet and
 * page.js), no plugins, no framing, no base-uri tricks. An injected `<img onerror>` could not run even
 * if escaping ever failed.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(privatePage: boolean): Record<string, string> {
  return {
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    // A signed URL is a credential: keep it out of caches and other sites' Referer headers.
    'referrer-policy': 'no-referrer',
    'cache-control': privatePage ? 'private, no-store' : 'public, max-age=30',
  };
}

export function page(status: number, vnode: VNode, opts: { private: boolean } = { private: true }): PageResponse {
  return {
    status,
    headers: { 'content-type': 'text/html; charset=utf-8', ...securityHeaders(opts.private) },
    body: `<!doctype html>${renderToString(vnode)}`,
  };
}

/** A fragment (one timeline row for the live stream). */
export function fragment(vnode: VNode): string {
  return renderToString(vnode);
}

const asset = (name: string) => readFileSync(new URL(`./assets/${name}`, import.meta.url), 'utf8');

/** The stylesheet and the script, read once; served with their own paths under /assets/. */
export const ASSETS: Readonly<Record<string, { type: string; body: string }>> = {
  'web.css': { type: 'text/css; charset=utf-8', body: asset('web.css') },
  'page.js': { type: 'text/javascript; charset=utf-8', body: asset('page.js') },
};
