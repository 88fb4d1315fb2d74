import type { FirebreakConfig } from '../config/schema.js';
import type { AlertsPorts } from './ports.js';
import type { IngestResult } from './alert-store.js';
import type { AlertNotification } from './model.js';
import { syncPaging } from './escalation.js';
import { heldBy, windowEnd, windowsBetween, type HeldBy } from './maintenance.js';
import { groupLabels, routeFor } from './routing.js';

/**
 * Every source's way in (webhooks, the health watch): route the group, store the notification
 * once, and mark its card dirty for the platforms that announce, all in one transaction.
 */
export async function ingestNotification(ports: AlertsPorts, config: FirebreakConfig, n: AlertNotification): Promise<IngestResult> {
  const platforms = ports.chat.announcers().map((p) => p.platform);
  const maintenance = n.status === 'firing' ? await maintenanceOf(ports, config, n, new Date()) : null;
  const result = await ports.alerts.ingest(n, { ...routeFor(config, n), maintenance }, platforms);
  if (result.held) ports.alertMetrics?.alertHeld('maintenance');
  // A paged group that resolved resolves its page too; not awaited, so PagerDuty's retries never hold up the 2xx.
  if (result.stored && result.transition === 'resolved') void syncPaging(ports, config, result.group);
  // What other domains do with an alert (incidents: a route's `incident:` declares, a firing group
  // joins its service's open incident). After the 2xx is decided, never in its way; logged on failure.
  // Held by maintenance: no incident now; the window's end lets still-firing groups react then.
  // A drill's alert never declares or joins an incident on its own: the drill declares its own when asked (src/alerts/drill.ts).
  if (result.stored && ports.alertReactions && !maintenance && n.source !== 'drill') {
    void ports.alertReactions(result).catch((err: unknown) =>
      ports.logger.error({ err: ports.redactor.redact(err instanceof Error ? err.message : String(err)), group: result.group.id }, 'reacting to an alert failed'),
    );
  }
  return result;
}

/** The maintenance window holding this notification's service now; a configured one is stored first, so the card can name it. */
async function maintenanceOf(ports: AlertsPorts, config: FirebreakConfig, n: AlertNotification, now: Date): Promise<HeldBy | null> {
  const service = groupLabels(n).service ?? null;
  if (!service || (config.maintenance.length === 0 && !ports.maintenance)) return null;
  const w = heldBy(await windowsBetween(config, ports.maintenance, now, now), service, now);
  if (!w) return null;
  const stored = w.id || !ports.maintenance ? w : await ports.maintenance.create(w);
  return { id: stored.id ?? 'scheduled', reason: stored.reason, until: windowEnd(stored) };
}
