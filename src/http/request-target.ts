/** A request's path and query, as the router sees them. */
export interface RequestTarget {
  pathname: string;
  query: URLSearchParams;
}

const BASE = 'http://localhost';

/**
 * Reads an HTTP request-target without throwing: null means it is malformed and the request gets 400.
 *
 * Origin-form (`/path?q`) is the path the client sent, appended to a fixed base: handing it to
 * `new URL(target, base)` instead reads `//host/…` as a host, so `//[`, `//a:99999/` or `//%zz`
 * threw inside the request listener and took the whole process down. A path that starts with `//`
 * is refused outright: no route has an empty first segment, and whether it names a host depends on
 * who parses it. Absolute-form (`http://host/path`, what a proxy may send) is parsed as a URL and
 * only its path and query are used; a bad host or port there (`http://[`) is malformed too.
 * Anything else (`*`, authority-form, garbage) is not a request this server answers.
 */
export function parseRequestTarget(target: string | undefined): RequestTarget | null {
  const raw = target ?? '/';
  let url: URL;
  try {
    if (raw.startsWith('//')) return null;
    if (raw.startsWith('/')) url = new URL(`${BASE}${raw}`);
    else if (/^https?:\/\//i.test(raw)) url = new URL(raw);
    else return null;
  } catch {
    return null;
  }
  return { pathname: url.pathname, query: url.searchParams };
}
