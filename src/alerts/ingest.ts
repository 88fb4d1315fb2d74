import type { FirebreakConfig } from '../config/schema.js';
import type { AlertsPorts } from './ports.js';
import type { IngestResult } from './alert-store.js';
import type { AlertNotification } from './model.js';
import { syncPaging } from './escalation.js';
import { routeFor } from './routing.js';

/**
 * Every source's way in (webhooks, the health watch): route the group, store the notification
 * once, and mark its card dirty for the platforms that announce, all in one transaction.
 */
export async function ingestNotification(ports: AlertsPorts, config: FirebreakConfig, n: AlertNotification): Promise<IngestResult> {
  const platforms = ports.chat.announcers().map((p) => p.platform);
  const result = await ports.alerts.ingest(n, routeFor(config, n), platforms);
  // A paged group that resolved resolves its page too; not awaited, so PagerDuty's retries never hold up the 2xx.
  if (result.stored && result.transition === 'resolved') void syncPaging(ports, config, result.group);
  // What other domains do with an alert (incidents: a route's `incident:` declares, a firing group
  // joins its service's open incident). After the 2xx is decided, never in its way; logged on failure.
  if (result.stored && ports.alertReactions) {
    void ports.alertReactions(result).catch((err: unknown) =>
      ports.logger.error({ err: ports.redactor.redact(err instanceof Error ? err.message : String(err)), group: result.group.id }, 'reacting to an alert failed'),
    );
  }
  return result;
}
