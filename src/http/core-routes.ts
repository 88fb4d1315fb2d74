import type { Router } from './router.js';
import { json } from './server.js';
import type { PromMetrics } from './metrics.js';

export interface Readiness {
  name: string;
  check(): Promise<void>;
  /**
   * A check whose failure degrades this replica but does not make it unfit for traffic: /readyz
   * stays 200 with status "degraded". Redis is one: without it every replica still serves commands
   * and webhooks (deliveries deduplicated in the store), and a 503 would take every replica out of
   * a Kubernetes Service at once when Redis goes.
   */
  degradesOnly?: boolean;
}

export interface ReadinessResult {
  name: string;
  ok: boolean;
  error?: string;
  degradesOnly?: boolean;
}

/** Every check at once, each given 2 s: what /readyz answers, and what the heartbeat pings on. */
export async function runReadiness(checks: readonly Readiness[]): Promise<ReadinessResult[]> {
  return Promise.all(
    checks.map(async (r) => {
      try {
        await Promise.race([r.check(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout after 2000 ms')), 2000).unref())]);
        return { name: r.name, ok: true };
      } catch (err) {
        return { name: r.name, ok: false, error: (err as Error).message, ...(r.degradesOnly ? { degradesOnly: true } : {}) };
      }
    }),
  );
}

/** Whether a replica with these results may take traffic: every check passes but those that only degrade it. */
export function readyFor(results: readonly ReadinessResult[]): boolean {
  return results.every((r) => r.ok || r.degradesOnly === true);
}

/**
 * Liveness, readiness (the store reachable, chat and the alert outbox up, not shutting down; Redis
 * down is "degraded", still 200) and Prometheus metrics.
 * `shuttingDown` is true from the first SIGTERM until exit: /readyz then answers 503 so a load
 * balancer or Kubernetes sends no new work while running steps finish, and /healthz stays 200 so
 * the process is not killed as hung meanwhile.
 */
export function registerCoreRoutes(router: Router, deps: { metrics: PromMetrics; readiness: Readiness[]; shuttingDown?: () => boolean }): void {
  router.add('GET', '/healthz', async () => json(200, { status: 'ok' }));
  router.add('GET', '/readyz', async () => {
    if (deps.shuttingDown?.()) return json(503, { status: 'shutting down', checks: [] });
    const results = await runReadiness(deps.readiness);
    const ready = readyFor(results);
    const status = !ready ? 'not ready' : results.every((r) => r.ok) ? 'ready' : 'degraded';
    return json(ready ? 200 : 503, { status, checks: results });
  });
  router.add('GET', '/metrics', async () => ({
    status: 200,
    headers: { 'content-type': deps.metrics.registry.contentType },
    body: await deps.metrics.registry.metrics(),
  }));
}
