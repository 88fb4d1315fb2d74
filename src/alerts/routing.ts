import type { AlertRouteConfig } from '../config/alerts-schema.js';
import type { FirebreakConfig } from '../config/schema.js';
import type { GroupRouting } from './alert-store.js';
import type { AlertNotification } from './model.js';

/** The labels a route matches against: the group's, then what all its alerts share. */
export function groupLabels(n: AlertNotification): Record<string, string> {
  const first = n.alerts.length === 1 ? n.alerts[0]!.labels : {};
  return { ...first, ...n.groupLabels, ...n.commonLabels };
}

function matches(route: AlertRouteConfig, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(route.match)) if (labels[k] !== v) return false;
  for (const [k, v] of Object.entries(route.match_re)) if (!new RegExp(`^(?:${v})$`).test(labels[k] ?? '')) return false;
  return true;
}

/** The first route that matches decides the channel and severity; none: the default channel. */
export function routeFor(config: FirebreakConfig, n: AlertNotification): GroupRouting {
  const labels = groupLabels(n);
  const index = config.alerts.routes.findIndex((r) => matches(r, labels));
  const route = index >= 0 ? config.alerts.routes[index] : undefined;
  return {
    channel: (route?.channel ?? config.alerts.channel ?? config.chat.incidents_channel).replace(/^#/, ''),
    route: index >= 0 ? index : null,
    severity: route?.severity ?? labels.severity ?? null,
  };
}
