/**
 * What of a value taken from the environment is secret. Most values are secret whole (a token, a
 * password). A URL is an address with, at most, a credential in it: masked whole it would hide which
 * database a command touched ("pg_dump ***"), so only its credential parts are secret.
 */

/**
 * Query parameters that carry a credential (?token=, ?access_token=, ?api_key=, ?sig=,
 * X-Amz-Signature …): the name is one, or ends in one after `_` or `-`. Not MongoDB's authSource or
 * authMechanism, whose values (admin, SCRAM-SHA-256) are no secret.
 */
const SECRET_PARAM = /(?:^|[_-])(?:token|key|apikey|secret|password|passwd|pwd|pass|sig|signature|credential|auth)$/i;
/**
 * A path segment that is itself a credential: a webhook's token (hooks.slack.com/services/T…/B…/XXXX,
 * discord.com/api/webhooks/ID/TOKEN). Long, and of letters and digits both; a database or a route
 * name is not.
 */
const TOKEN_SEGMENT = /^(?=.*[A-Za-z])(?=.*\d)[A-Za-z0-9_.~-]{16,}$/;

/** A URL with an authority (scheme://…), the form every database, cache and webhook URL has. */
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\/\S+$/i;

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * The parts of `value` to mask wherever they appear: `value` itself, or for a URL its password
 * (as written and percent-decoded: PGPASSWORD gets it decoded), the values of credential query
 * parameters and token path segments. A URL's user name is shown: it says which role a command
 * connected as, and without the password it opens nothing. A URL without any of these is no secret.
 */
export function secretPartsOf(value: string): string[] {
  if (!URL_LIKE.test(value)) return [value];
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return [value];
  }
  const parts: string[] = [];
  if (url.password) parts.push(url.password, decoded(url.password));
  for (const [name, v] of url.searchParams) if (v && SECRET_PARAM.test(name)) parts.push(v, encodeURIComponent(v));
  for (const segment of url.pathname.split('/')) if (TOKEN_SEGMENT.test(segment)) parts.push(segment);
  return [...new Set(parts)];
}
