import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import { buildDraft } from '../postmortems/draft-markdown.js';
import type { DraftSource } from '../postmortems/draft-source.js';
import { maskDraftInput } from '../postmortems/masked-draft-input.js';
import { checkAccess } from '../web/access.js';
import type { HttpResponse, Router } from './router.js';

export interface PostmortemRouteDeps {
  source: DraftSource;
  /** The link-signing secret (signed-links.ts linkSecret()). */
  secret: () => Promise<string>;
  logger: Logger;
  /** The same masking as chat: the link stays valid for 7 days in tickets and channels. */
  redactor: Redactor;
  now?: () => Date;
  /** web.auth.trusted_header: a request an authenticating proxy vouched for needs no signature. */
  trustedHeader?: string;
}

const text = (status: number, body: string): HttpResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  body: `${body}\n`,
});

/**
 * GET /incidents/:id/postmortem.md — the latest draft, built from the store on every request, for
 * whoever holds the signed link posted in chat. Unsigned, changed or expired links get 403 and one
 * sentence; nothing says whether the incident exists until the link is good. Everything in it is
 * masked like chat (maskDraftInput).
 */
export function registerPostmortemRoutes(router: Router, deps: PostmortemRouteDeps): void {
  const now = deps.now ?? (() => new Date());
  router.add('GET', '/incidents/:id/postmortem.md', async (req) => {
    let secret: string;
    try {
      secret = await deps.secret();
    } catch (err) {
      deps.logger.error({ err: err instanceof Error ? err.message : String(err) }, 'link secret unavailable');
      return text(503, 'Firebreak cannot read its link secret from the store right now; try again in a minute.');
    }
    const check = checkAccess(req, secret, now(), deps.trustedHeader);
    if (!check.ok) return text(403, check.message);
    const id = req.params.id ?? '';
    const input = await deps.source.load(id);
    if (!input) return text(404, `There is no incident ${id.slice(0, 60)} in this Firebreak.`);
    const filename = `${id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 60)}-postmortem.md`;
    return {
      status: 200,
      headers: {
        'content-type': 'text/markdown; charset=utf-8',
        'content-disposition': `inline; filename="${filename}"`,
        // The URL is the credential: keep it out of caches and other sites' Referer headers.
        'cache-control': 'private, no-store',
        'referrer-policy': 'no-referrer',
        'x-content-type-options': 'nosniff',
      },
      body: buildDraft(maskDraftInput(input, deps.redactor)),
    };
  });
}
