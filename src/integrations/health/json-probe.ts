import type { JsonCheckConfig } from '../../config/schema.js';
import { parseJsonPath, readJsonPath } from '../../config/json-path.js';
import type { ProbeResult } from '../../core/ports.js';
import { cut } from '../../core/text-format.js';
import { MAX_BODY_BYTES, sendHttp, stripCredentials } from './http-probe.js';
import { describeRange, inRange } from './threshold.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

/** The field as a person names it: ".healthy_count" → "healthy_count"; "." → "the response". */
function fieldName(path: string): string {
  return path === '.' ? 'the response' : path.replace(/^\./, '');
}

const shown = (v: unknown) => cut(JSON.stringify(v) ?? String(v), 80);

/** Compares the value with the check; null when it passes, else the reason. */
export function judgeJsonValue(check: Pick<JsonCheckConfig, 'path' | 'equals' | 'min' | 'max'>, value: unknown): string | null {
  const name = fieldName(check.path);
  if (check.equals !== undefined) {
    return value === check.equals ? null : `${name} is ${shown(value)}, expected ${shown(check.equals)}`;
  }
  // No coercion: "2" from a service that changed its types should be seen, not silently compared.
  if (typeof value !== 'number' || !Number.isFinite(value)) return `${name} is ${shown(value)}, not a number (${describeRange(check)})`;
  return inRange(value, check) ? null : `${name} is ${value}, ${describeRange(check)}`;
}

/** GET a JSON document (LiteLLM's /health, a health monitor's .services) and compare one field. */
export async function probeJson(check: JsonCheckConfig): Promise<ProbeResult> {
  const target = stripCredentials(check.url);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const parsed = parseJsonPath(check.path);
  // The config refuses a bad path when it loads; this is for a check built some other way.
  if (!parsed.ok) return { ok: false, latencyMs: 0, target, detail: `path ${check.path} ${parsed.error}` };
  let destroy: (() => void) | undefined;
  try {
    return await withTimeout(
      check.timeout_ms,
      async (signal) => {
        const res = await sendHttp({ url: check.url, method: 'GET', headers: { accept: 'application/json', ...check.headers } }, { read: 'all' }, signal, (d) => (destroy = d));
        const ms = latency();
        const fail = (detail: string): ProbeResult => ({ ok: false, latencyMs: ms, target, detail });
        if (res.status !== check.expect_status) return fail(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} (expected ${check.expect_status})`);
        if (res.truncated) return fail(`the response is larger than ${MAX_BODY_BYTES / 1024 / 1024} MB; a health document should be small`);
        let doc: unknown;
        try {
          doc = JSON.parse(res.body);
        } catch {
          return fail(`HTTP ${res.status} but the response is not JSON: ${cut(res.body.trim().split('\n')[0] ?? '', 80) || '(empty)'}`);
        }
        const found = readJsonPath(doc, parsed.segments);
        if (!found.found) return fail(`${fieldName(check.path)} is not in the response`);
        const problem = judgeJsonValue(check, found.value);
        if (problem !== null) return fail(problem);
        return { ok: true, latencyMs: ms, target, detail: `${fieldName(check.path)} is ${shown(found.value)}` };
      },
      () => destroy?.(),
    );
  } catch (err) {
    return { ok: false, latencyMs: latency(), target, detail: describeNetworkError(err) };
  }
}
