/**
 * Paging: waking someone up outside chat (PagerDuty's Events API v2 in src/integrations/pagerduty).
 * Domain code (escalation, acknowledge, resolve) speaks only this port.
 */

/** The severities a pager knows (PagerDuty's four). */
export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PageTrigger {
  /** One incident per key: a later acknowledge or resolve with the same key closes the loop. */
  dedupKey: string;
  /** What the person paged reads first: "ProviderDown firing for 15 min, unacknowledged: …". */
  summary: string;
  /** Where it comes from: the service, else "firebreak". */
  source: string;
  severity: PageSeverity;
  /** When the problem started (the group's first firing). */
  timestamp?: Date;
  /** Free labels shown with the incident (alertname, service, channel, group key). */
  details?: Record<string, string>;
  /** Links shown with the incident: the card, the runbook. */
  links?: { href: string; text: string }[];
}

/** One sentence a person can act on, e.g. "PagerDuty refused the routing key (400 Invalid routing key)." */
export class PagingError extends Error {
  override readonly name = 'PagingError';
}

export interface PagingPort {
  /** Who is paged, for messages: "PagerDuty". */
  readonly name: string;
  /** Opens (or re-sends, same key) the incident. Throws a PagingError after its retries. */
  trigger(event: PageTrigger): Promise<void>;
  /** Someone acknowledged in chat: the pager stops re-notifying. Throws a PagingError. */
  acknowledge(dedupKey: string): Promise<void>;
  /** The alert resolved: the pager's incident is closed. Throws a PagingError. */
  resolve(dedupKey: string): Promise<void>;
}

/**
 * Our severity (an alert's `severity` label or a route's override: free text) as one of PagerDuty's
 * four. Unknown or missing is "error": it was important enough to page.
 */
export function pageSeverity(severity: string | null | undefined): PageSeverity {
  const s = (severity ?? '').trim().toLowerCase();
  if (['critical', 'crit', 'fatal', 'emergency', 'page', 'p1', 'sev1', 'sev-1'].includes(s)) return 'critical';
  if (['warning', 'warn', 'medium', 'p3', 'sev3', 'sev-3'].includes(s)) return 'warning';
  if (['info', 'informational', 'low', 'none', 'notice', 'p4', 'p5', 'sev4', 'sev-4', 'sev5'].includes(s)) return 'info';
  return 'error';
}
