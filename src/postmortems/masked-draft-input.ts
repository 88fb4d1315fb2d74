import type { Redactor } from '../core/redact.js';
import type { DraftInput } from './draft-input.js';

/**
 * A draft's input with every text masked, before it is rendered: the incident's title, alert
 * labels and annotations and action items are stored as they were typed or received (only the
 * timeline is masked when written), and every way a draft leaves Firebreak — the signed
 * postmortem.md link, the tickets, the card — must mask them like chat does. Masking the rendered
 * Markdown instead would miss a secret the renderer escaped (`ghp_x` is `ghp\_x` in Markdown).
 */
export function maskDraftInput(input: DraftInput, redactor: Redactor): DraftInput {
  return redactor.redactValue(input);
}
