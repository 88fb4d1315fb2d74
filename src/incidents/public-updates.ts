import type { Actor } from '../core/identity.js';
import type { Incident } from './model.js';

/** A status update that someone published: the only incident text the public status page shows. */
export interface PublicUpdate {
  id: string;
  incidentId: string;
  text: string;
  publishedBy: Actor;
  publishedAt: Date;
}

/** An incident as the public sees it: published updates only, newest first. */
export interface PublicIncident {
  incident: Incident;
  updates: PublicUpdate[];
}

/** The published updates (src/store/public-update-repository.ts). */
export interface PublicUpdateStore {
  /** Incidents with a published update since `since` (open ones whatever their age), newest first, each with its updates. */
  incidentsSince(since: Date, limit?: number): Promise<PublicIncident[]>;
}

/** Incidents declared since `since` or still open, newest first (the /incidents page, response metrics). */
export interface IncidentHistory {
  listSince(since: Date, limit?: number): Promise<Incident[]>;
}
