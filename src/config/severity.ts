/** The severities an incident has (sev1 worst). Here, not in src/incidents, because the config names them too. */
export type Severity = 'sev1' | 'sev2' | 'sev3' | 'sev4';

/** `P1`–`P4` (runbook 003) are aliases of `sev1`–`sev4`; "1".."4" too. Null when it is neither. */
export function parseSeverity(text: string): Severity | null {
  const m = /^(?:sev|p)?([1-4])$/i.exec(text.trim());
  return m ? (`sev${m[1]}` as Severity) : null;
}
