import type { FirebreakConfig } from '../config/schema.js';
import type { Ports } from '../core/services.js';
import type { IngestResult } from './alert-store.js';
import type { AlertNotification } from './model.js';
import { routeFor } from './routing.js';

/**
 * Every source's way in (webhooks, the health watch): route the group, store the notification
 * once, and mark its card dirty for the platforms that announce, all in one transaction.
 */
export function ingestNotification(ports: Ports, config: FirebreakConfig, n: AlertNotification): Promise<IngestResult> {
  const platforms = ports.chat.announcers().map((p) => p.platform);
  return ports.alerts.ingest(n, routeFor(config, n), platforms);
}
