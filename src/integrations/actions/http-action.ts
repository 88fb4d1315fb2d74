import type { ActionResult } from '../../core/ports.js';
import { excerpt } from '../../core/redact.js';
import { excerptStart } from '../../core/output-filters.js';
import type { FilledHttpRequest } from './fill-action.js';

/** Enough of a response to show what happened; the rest is not read (a runaway body is not our problem). */
const MAX_BODY_BYTES = 256 * 1024;

async function readCapped(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

function describeFetchError(err: unknown, req: FilledHttpRequest, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const host = (() => {
    try {
      return new URL(req.url).host;
    } catch {
      return req.url;
    }
  })();
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `${host} did not answer within ${Math.round(timeoutMs / 1000)} s; the request was abandoned.`;
  const code = e.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return `${host} refused the connection (nothing listening there?).`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `${host} could not be resolved (DNS).`;
  return `The request to ${host} failed: ${e.cause?.message ?? e.message ?? String(err)}.`;
}

/**
 * Performs one filled HTTP action request with a timeout. Redirects are not followed: a
 * redirect would carry the action's credentials to wherever it points, so it counts as a status
 * the action did not expect.
 */
export async function performHttpAction(
  req: FilledHttpRequest,
  opts: { timeoutMs: number; expectStatus: readonly number[]; /** The action's output filters, over the body. */ filter?: (body: string) => string },
): Promise<ActionResult> {
  const argv = [req.method, req.url];
  const started = performance.now();
  const headers: Record<string, string> = { ...req.headers };
  if (req.body !== undefined && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
    const text = await readCapped(res);
    const durationMs = Math.round(performance.now() - started);
    const ok = opts.expectStatus.includes(res.status);
    const statusLine = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
    return {
      ok,
      argv,
      exitCode: null,
      httpStatus: res.status,
      durationMs,
      // Filtered, the body alone (the status is in the result's title); otherwise the status line first.
      output: opts.filter ? excerptStart(opts.filter(text), 1500) : excerpt(text.trim() === '' ? statusLine : `${statusLine}\n${text}`, 1500),
      ...(opts.filter ? { filtered: true } : {}),
      problem: ok ? undefined : `The server answered ${statusLine}; this action expects ${opts.expectStatus.join(', ')}.`,
    };
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    return { ok: false, argv, exitCode: null, durationMs, output: '', problem: describeFetchError(err, req, opts.timeoutMs) };
  }
}
