import type { CheckConfig, FirebreakConfig } from '../config/schema.js';

/** One thing /health checks: a service's health check or a datastore. */
export interface HealthTarget {
  name: string;
  check: CheckConfig;
}

/** Everything /health (and the health watch) knows how to check: services with a health check, then datastores. */
export function healthTargets(config: FirebreakConfig): HealthTarget[] {
  const targets: HealthTarget[] = [];
  for (const [name, svc] of Object.entries(config.services)) if (svc.health) targets.push({ name, check: svc.health });
  for (const [name, check] of Object.entries(config.datastores)) targets.push({ name, check });
  return targets;
}
