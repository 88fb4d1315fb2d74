import type { AlertStore } from '../alerts/alert-store.js';
import type { CorePorts } from '../core/services.js';
import type { PostmortemService } from '../postmortems/ports.js';
import type { IncidentStore } from './incident-store.js';

/** What the incidents room uses: the core's ports, its store, the alert groups it links, the post-mortem it drafts on resolve. */
export interface IncidentsPorts extends CorePorts {
  /** Incidents: declared once per source, their roles, channel and action items; each change is a timeline event. */
  incidents: IncidentStore;
  /** The alert groups an incident links (its summary card, Open incident on an alert card). */
  alerts: AlertStore;
  /** Drafts, files and shows an incident's post-mortem (resolve, /incident postmortem). */
  postmortems?: PostmortemService;
}
