/**
 * The incident domain's model. Platform-free: channels are referred to by platform + id, people
 * as Actors. The post-mortem is built from an Incident and its timeline.
 */
import type { Actor } from '../core/identity.js';
import type { Severity } from '../config/severity.js';

export { parseSeverity, type Severity } from '../config/severity.js';
export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';
export const INCIDENT_STATUSES: readonly IncidentStatus[] = ['investigating', 'identified', 'monitoring', 'resolved'];

/** Who holds which role: lead, comms, scribe (empty when unfilled). */
export interface IncidentRoles {
  lead: Actor | null;
  comms: Actor | null;
  scribe: Actor | null;
}

/** Where the incident lives in chat: its own channel, or the incidents channel until that is fixed. */
export interface IncidentChannel {
  platform: string;
  id: string;
  name: string;
  /** False when channel creation failed and the incident runs in the incidents channel. */
  own: boolean;
}

export interface Incident {
  /** Short, human, stable: "INC-42". */
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  roles: IncidentRoles;
  declaredBy: Actor;
  declaredAt: Date;
  /** Where it was declared from: a command delivery, an alert group, a button click. Declaring twice from one source is one incident. */
  source: string;
  channel: IncidentChannel | null;
  /** Alert groups linked to it (the one that opened it, later ones for the same service). */
  alertGroups: string[];
  /** The service it is about, when known (from the alert, or given). */
  service: string | null;
  resolvedAt: Date | null;
  /** Bumped on every change: the pinned card renders the latest. */
  version: number;
}

/** An action item for the post-mortem (`/incident action "…"`). */
export interface ActionItem {
  id: string;
  incidentId: string;
  text: string;
  by: Actor;
  at: Date;
  done: boolean;
}
