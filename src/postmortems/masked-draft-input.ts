import type { Redactor } from '../core/redact.js';
import type { DraftInput } from './draft-input.js';

/**
 * A draft's input with every text masked, before it is rendered: the incident's title, alert
 * labels and annotations and action items are stored as they were typed or received, and every way
 * a draft leaves Firebreak — the signed postmortem.md link, the tickets, the card — must mask them
 * like chat does. Masking the rendered Markdown instead would miss a secret the renderer escaped
 * (`ghp_x` is `ghp\_x` in Markdown). The events are not masked again: the timeline's one writer
 * (TimelineRecorder) masked them when it stored them, and a 50,000-event incident would pay for
 * masking every output excerpt twice on every request.
 */
export function maskDraftInput(input: DraftInput, redactor: Redactor): DraftInput {
  return {
    ...input,
    incident: redactor.redactValue(input.incident),
    alerts: redactor.redactValue(input.alerts),
    actionItems: redactor.redactValue(input.actionItems),
  };
}
