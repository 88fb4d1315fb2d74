import type { Db } from './db.js';

/**
 * The one link-signing secret, in PostgreSQL or PGlite: the first writer's candidate wins. It is the
 * `LinkSecretStore` of src/web/signed-links.ts (checked where main.ts hands it over; the store does
 * not import the web room).
 */
export class SqlLinkSecretRepository {
  constructor(private readonly db: Db) {}

  async getOrCreate(candidate: string): Promise<string> {
    // Replicas racing here serialize on the primary key: the loser's insert does nothing, and its
    // read (a new statement) sees the winner's row.
    await this.db.query('INSERT INTO link_secret (id, secret) VALUES (1, $1) ON CONFLICT (id) DO NOTHING', [candidate]);
    const [row] = await this.db.query<{ secret: string }>('SELECT secret FROM link_secret WHERE id = 1');
    if (!row) throw new Error('the link secret could not be stored (link_secret has no row after inserting one)');
    return row.secret;
  }
}
