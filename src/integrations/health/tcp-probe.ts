import { connect, type Socket } from 'node:net';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

export async function probeTcp(check: { host: string; port: number; timeout_ms: number }): Promise<ProbeResult> {
  const target = `${check.host}:${check.port}`;
  const started = performance.now();
  let socket: Socket | undefined;
  try {
    await withTimeout(
      check.timeout_ms,
      () =>
        new Promise<void>((resolve, reject) => {
          socket = connect({ host: check.host, port: check.port }, () => resolve());
          socket.once('error', reject);
        }),
      () => socket?.destroy(),
    );
    return { ok: true, latencyMs: Math.round(performance.now() - started), target, detail: 'port open' };
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), target, detail: describeNetworkError(err) };
  } finally {
    socket?.destroy();
  }
}
