/**
 * What happens once an incident is resolved, besides its card, topic and announcement. Called by
 * the replica whose change resolved it (exactly once per resolution: the store's change says
 * whether this call made it resolved), after the change is stored and shown.
 */
import type { IncidentDeps } from './incident-messages.js';
import type { Incident } from './model.js';

/**
 * The post-mortem: drafted from the incident's timeline, filed as its ticket(s), and shown as a card
 * in the incident's channel. A failure a person can fix (a refused token) is a sentence, not a throw;
 * the draft is stored either way (it is rebuilt from the timeline) and the card offers Retry.
 */
export async function onResolved(incident: Incident, deps: IncidentDeps): Promise<string | null> {
  const pm = deps.ports.postmortems;
  if (!pm) return null;
  const r = await pm.draft(incident.id);
  return r && r.problems.length > 0 ? r.problems.join(' ') : null;
}
