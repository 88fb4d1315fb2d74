import type { z } from 'zod';
import type { httpCheckSchema } from '../../config/schema.js';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

export function stripCredentials(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    for (const k of [...u.searchParams.keys()]) if (/token|key|secret|password|sig/i.test(k)) u.searchParams.set(k, '***');
    return u.toString();
  } catch {
    return url;
  }
}

export async function probeHttp(check: z.infer<typeof httpCheckSchema>): Promise<ProbeResult> {
  const target = stripCredentials(check.url);
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    return await withTimeout(check.timeout_ms, async (signal) => {
      const res = await fetch(check.url, { method: check.method, headers: check.headers, signal, redirect: 'manual' });
      const body = check.body_contains !== undefined ? await res.text() : (await res.body?.cancel(), '');
      const ms = latency();
      if (res.status !== check.expect_status) {
        return { ok: false, latencyMs: ms, target, detail: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''} (expected ${check.expect_status})` };
      }
      if (check.body_contains !== undefined && !body.includes(check.body_contains)) {
        return { ok: false, latencyMs: ms, target, detail: `HTTP ${res.status} but the body does not contain "${check.body_contains}"` };
      }
      return { ok: true, latencyMs: ms, target, detail: `HTTP ${res.status}` };
    });
  } catch (err) {
    return { ok: false, latencyMs: latency(), target, detail: describeNetworkError(err) };
  }
}
