import type { AlertGroup } from '../alerts/model.js';
import type { TimelineEvent } from '../core/timeline.js';
import type { ActionItem, Incident } from '../incidents/model.js';

/**
 * Everything a post-mortem draft is built from. The builder is pure: this in, Markdown (or Jira's
 * ADF) out, so the same incident always drafts the same text and a golden file can pin it.
 */
export interface DraftInput {
  incident: Incident;
  /** The incident's timeline events in order (timeline rows with this incident id). */
  events: readonly TimelineEvent[];
  /** Alert groups linked to the incident. */
  alerts: readonly AlertGroup[];
  actionItems: readonly ActionItem[];
  /** Where the full draft is (a signed link), when known. */
  draftUrl?: string;
  /** When the draft is built (for "drafted at"). */
  now: Date;
}
