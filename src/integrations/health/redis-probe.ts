import { Redis } from 'ioredis';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, ProbeTimeout, withTimeout } from './with-timeout.js';

/** PING plus used memory (INFO memory), as in the runbooks' Redis checks. */
export async function probeRedis(check: { url: string; timeout_ms: number }): Promise<ProbeResult> {
  let target = 'redis';
  try {
    const u = new URL(check.url);
    target = `${u.hostname}:${u.port || '6379'}`;
  } catch {
    /* schema already checked the prefix */
  }
  const started = performance.now();
  const redis = new Redis(check.url, {
    lazyConnect: true,
    connectTimeout: check.timeout_ms,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  // ioredis rejects connect() with a bare "Connection is closed." and reports the socket's real
  // reason (ECONNREFUSED, ENOTFOUND, …) only as an 'error' event: keep it to say what happened.
  let socketError: unknown;
  redis.on('error', (err: unknown) => {
    socketError ??= err;
  });
  try {
    return await withTimeout(
      check.timeout_ms,
      async () => {
        await redis.connect();
        const pong = await redis.ping();
        const ms = Math.round(performance.now() - started);
        if (pong !== 'PONG') return { ok: false, latencyMs: ms, target, detail: `unexpected PING reply "${pong}"` };
        const info = await redis.info('memory');
        const used = /used_memory_human:(\S+)/.exec(info)?.[1];
        return { ok: true, latencyMs: ms, target, detail: used ? `${formatRedisMemory(used)} used` : 'PONG' };
      },
      () => redis.disconnect(),
    );
  } catch (err) {
    const cause = err instanceof ProbeTimeout || socketError === undefined ? err : socketError;
    return { ok: false, latencyMs: Math.round(performance.now() - started), target, detail: describeNetworkError(cause) };
  } finally {
    redis.disconnect();
  }
}

/** Redis says "1.23M"; people read "1.2 MB". */
export function formatRedisMemory(human: string): string {
  const m = /^([\d.]+)([BKMGT]?)$/.exec(human);
  if (!m) return human;
  const unit = m[2] === 'B' || m[2] === '' ? 'B' : `${m[2]}B`;
  return `${Number(m[1]).toFixed(unit === 'B' ? 0 : 1)} ${unit}`;
}
