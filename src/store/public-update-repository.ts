import type { Actor } from '../core/identity.js';
import type { PublicIncident, PublicUpdate, PublicUpdateStore } from '../incidents/public-updates.js';
import type { IncidentStore } from '../incidents/incident-store.js';
import type { Db } from './db.js';

interface Row {
  id: string | number;
  incident_id: string;
  text: string;
  published_by: Actor | string;
  published_at: Date | string;
}

const toUpdate = (r: Row): PublicUpdate => {
  const by = typeof r.published_by === 'string' ? (JSON.parse(r.published_by) as Actor) : r.published_by;
  return { id: String(r.id), incidentId: r.incident_id, text: r.text, publishedBy: by, publishedAt: new Date(r.published_at) };
};

/** Published updates (150_public_updates): read only by the status page. */
export class SqlPublicUpdateRepository implements PublicUpdateStore {
  constructor(
    private readonly db: Db,
    private readonly incidents: Pick<IncidentStore, 'get'>,
  ) {}

  async incidentsSince(since: Date, limit = 50): Promise<PublicIncident[]> {
    const ids = await this.db.query<{ incident_id: string }>(
      `SELECT u.incident_id FROM incident_public_updates u JOIN incidents i ON i.id = u.incident_id
       WHERE u.published_at >= $1 OR i.status <> 'resolved'
       GROUP BY u.incident_id ORDER BY max(u.published_at) DESC LIMIT $2`,
      [since, limit],
    );
    const out: PublicIncident[] = [];
    for (const { incident_id } of ids) {
      const incident = await this.incidents.get(incident_id);
      if (!incident) continue;
      const rows = await this.db.query<Row>(
        `SELECT id, incident_id, text, published_by, published_at FROM incident_public_updates WHERE incident_id = $1 ORDER BY published_at DESC, id DESC LIMIT 100`,
        [incident_id],
      );
      out.push({ incident, updates: rows.map(toUpdate) });
    }
    return out;
  }
}
