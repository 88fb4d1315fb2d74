import type { ActionConfig } from '../../config/schema.js';
import type { ActionParamValues } from '../../core/ports.js';
import { fillTemplateString, placeholders } from '../commands/fill-argv.js';
import { paramText } from '../../core/action-params.js';

type HttpTemplate = NonNullable<ActionConfig['http']>;

export interface FilledHttpRequest {
  method: HttpTemplate['method'];
  url: string;
  headers: Record<string, string>;
  /** JSON text, or undefined when the template has no body. */
  body?: string;
}

/** A value that would make Firebreak send a different request than the template describes. */
export class UnsafeParamError extends Error {
  override name = 'UnsafeParamError';
}

const WHOLE_PLACEHOLDER = /^\{([a-z_][a-z0-9_-]*)\}$/i;

/**
 * Every declared param as text: an optional param that was not given becomes "" so a template
 * that mentions it still fills (config load has already checked that only declared params are used).
 */
function textValues(action: ActionConfig, values: ActionParamValues, encode: (s: string) => string = (s) => s): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, p] of Object.entries(action.params)) out[name] = Object.hasOwn(values, name) ? encode(paramText(p, values[name])) : '';
  return out;
}

/** An element that is only `{name}` of an absent optional param, or of a bool that renders nothing (false, with a flag). */
function isAbsent(action: ActionConfig, values: ActionParamValues, template: string): boolean {
  const m = WHOLE_PLACEHOLDER.exec(template);
  if (!m || !Object.hasOwn(action.params, m[1]!)) return false;
  return !Object.hasOwn(values, m[1]!) || paramText(action.params[m[1]!], values[m[1]!]) === '';
}

/**
 * The action's `env:` with `{param}` filled: the one place a secret param reaches the tool (argv is
 * shown on cards and in `ps`; config load refuses a secret there).
 */
export function fillActionEnv(action: ActionConfig, values: ActionParamValues, secrets: Readonly<Record<string, string>> = {}): Record<string, string> {
  const strings = { ...textValues(action, values), ...secrets };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.env)) out[k] = fillTemplateString(v, strings);
  return out;
}

/** argv elements stay one argument each; an element that is only an absent optional param is left out. */
export function fillActionArgv(action: ActionConfig, values: ActionParamValues): string[] {
  const strings = textValues(action, values);
  return (action.argv ?? []).filter((part) => !isAbsent(action, values, part)).map((part) => fillTemplateString(part, strings));
}

const OMIT = Symbol('omit');

/** Fills string leaves; "{n}" alone takes the param's own type (an int stays a number); absent optional → key left out. */
function fillBody(node: unknown, action: ActionConfig, values: ActionParamValues, strings: Record<string, string>): unknown {
  if (typeof node === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(node);
    if (whole && Object.hasOwn(action.params, whole[1]!)) return Object.hasOwn(values, whole[1]!) ? values[whole[1]!] : OMIT;
    return fillTemplateString(node, strings);
  }
  if (Array.isArray(node)) return node.map((v) => fillBody(v, action, values, strings)).filter((v) => v !== OMIT);
  if (node !== null && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      const filled = fillBody(v, action, values, strings);
      if (filled !== OMIT) out[k] = filled;
    }
    return out;
  }
  return node;
}

/** ".", "..", and what URL parsers read as them ("%2e", ".%2E" …): segments that move a path. */
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

/**
 * Percent-encoding cannot keep "." or ".." in their segment: the WHATWG URL parser (and so fetch)
 * resolves "%2E%2E" exactly like "..", and many servers decode before routing. So a path segment
 * that a param fills into a dot segment is refused instead (nothing is sent). Values are encoded
 * first, so a value holds no "/", "\\", "?" or "#" and can only ever affect its own segment.
 */
function refuseDotSegments(template: string, encoded: Record<string, string>): void {
  const pathPart = template.split(/[?#]/, 1)[0]!;
  for (const segment of pathPart.split(/[/\\]/)) {
    const names = placeholders(segment);
    if (names.length === 0 || !DOT_SEGMENT.test(fillTemplateString(segment, encoded))) continue;
    const given = names.filter((n) => encoded[n] !== '');
    const who = given.length > 0 ? given : names;
    throw new UnsafeParamError(
      who.length === 1
        ? `${who[0]} must not be "." or ".." (in the URL's path that would send the request to another endpoint); nothing was sent.`
        : `${who.join(' and ')} must not together make "." or ".." (in the URL's path that would send the request to another endpoint); nothing was sent.`,
    );
  }
}

/** Throws UnsafeParamError (one sentence for the user) when a value would leave the templated path. */
export function fillHttpRequest(action: ActionConfig, values: ActionParamValues): FilledHttpRequest {
  const http = action.http;
  if (!http) throw new Error('fillHttpRequest needs an http action');
  // Values are percent-encoded in the URL so "a/b" or "x?y" can never change the path or query.
  const encoded = textValues(action, values, encodeURIComponent);
  refuseDotSegments(http.url, encoded);
  const url = fillTemplateString(http.url, encoded);
  const strings = textValues(action, values);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(http.headers)) headers[k] = fillTemplateString(v, strings);
  const filled: FilledHttpRequest = { method: http.method, url, headers };
  if (http.body !== undefined) {
    const body = fillBody(http.body, action, values, strings);
    filled.body = JSON.stringify(body === OMIT ? null : body);
  }
  return filled;
}
