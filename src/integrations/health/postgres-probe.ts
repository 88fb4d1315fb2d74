import pg from 'pg';
import type { ProbeResult } from '../../core/ports.js';
import { describeNetworkError, withTimeout } from './with-timeout.js';

function describe(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'postgres';
  }
}

/** `SELECT 1` and the connection count, the runbooks' first two questions about Postgres. */
export async function probePostgres(check: { url: string; timeout_ms: number }): Promise<ProbeResult> {
  const target = describe(check.url);
  const started = performance.now();
  const client = new pg.Client({ connectionString: check.url, connectionTimeoutMillis: check.timeout_ms });
  client.on('error', () => {});
  try {
    return await withTimeout(
      check.timeout_ms,
      async () => {
        await client.connect();
        await client.query('SELECT 1');
        const ms = Math.round(performance.now() - started);
        const count = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_stat_activity');
        return { ok: true, latencyMs: ms, target, detail: `${count.rows[0]?.n ?? '?'} connections` };
      },
      () => void client.end().catch(() => {}),
    );
  } catch (err) {
    return { ok: false, latencyMs: Math.round(performance.now() - started), target, detail: describeNetworkError(err) };
  } finally {
    await client.end().catch(() => {});
  }
}
