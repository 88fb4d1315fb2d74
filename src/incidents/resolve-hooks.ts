/**
 * What happens once an incident is resolved, besides its card, topic and announcement. Called by
 * the replica whose change resolved it (exactly once per resolution: the store's change says
 * whether this call made it resolved), after the change is stored and shown.
 */
import type { IncidentDeps } from './incident-messages.js';
import type { Incident } from './model.js';

/**
 * LEAD: wire the post-mortem here (issue 12): build the draft from the incident's timeline and file
 * its ticket. Left a no-op by the incidents core so the two can land separately. It must not throw
 * for a failure a person can fix: return the sentence to post in the incident's channel instead.
 */
export async function onResolved(_incident: Incident, _deps: IncidentDeps): Promise<string | null> {
  return null;
}
