import { normalizeIncidentId } from '../../core/attribution.js';

/**
 * The incident `firebreak console` is in after `text` succeeded: changed only by
 * `/incident use INC-N` (which the command checked) or `/incident use off`. The console sends it
 * with every later command, so what is run counts for it wherever it runs.
 */
export function enteredAfter(text: string, entered: string | undefined): string | undefined {
  const m = /^\/incident\s+use\s+(\S+)\s*$/i.exec(text.trim());
  if (!m) return entered;
  return m[1]!.toLowerCase() === 'off' ? undefined : (normalizeIncidentId(m[1]!) ?? entered);
}
