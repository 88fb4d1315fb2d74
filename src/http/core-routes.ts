import type { Router } from './router.js';
import { json } from './server.js';
import type { PromMetrics } from './metrics.js';

export interface Readiness {
  name: string;
  check(): Promise<void>;
}

export interface ReadinessResult {
  name: string;
  ok: boolean;
  error?: string;
}

/** Every check at once, each given 2 s: what /readyz answers, and what the heartbeat pings on. */
export async function runReadiness(checks: readonly Readiness[]): Promise<ReadinessResult[]> {
  return Promise.all(
    checks.map(async (r) => {
      try {
        await Promise.race([r.check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000).unref())]);
        return { name: r.name, ok: true };
      } catch (err) {
        return { name: r.name, ok: false, error: (err as Error).message };
      }
    }),
  );
}

/**
 * Liveness, readiness (store and Redis reachable, not shutting down) and Prometheus metrics.
 * `shuttingDown` is true from the first SIGTERM until exit: /readyz then answers 503 so a load
 * balancer or Kubernetes sends no new work while running steps finish, and /healthz stays 200 so
 * the process is not killed as hung meanwhile.
 */
export function registerCoreRoutes(router: Router, deps: { metrics: PromMetrics; readiness: Readiness[]; shuttingDown?: () => boolean }): void {
  router.add('GET', '/healthz', async () => json(200, { status: 'ok' }));
  router.add('GET', '/readyz', async () => {
    if (deps.shuttingDown?.()) return json(503, { status: 'shutting down', checks: [] });
    const results = await runReadiness(deps.readiness);
    const ok = results.every((r) => r.ok);
    return json(ok ? 200 : 503, { status: ok ? 'ready' : 'not ready', checks: results });
  });
  router.add('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': deps.metrics.registry.contentType },
    body: await deps.metrics.registry.metrics(),
  }));
}
