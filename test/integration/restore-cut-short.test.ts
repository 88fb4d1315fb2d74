import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { restoreCommand } from '../../src/integrations/backup/dump-command.js';
import { createTestDatabase } from '../support/postgres.js';

/**
 * If Firebreak dies in the middle of a plain restore, psql's input simply ends. What psql gets from
 * restoreCommand must then leave the database as it was, not commit the half that arrived.
 */
describe('a plain restore whose input ends early (Firebreak killed mid-feed)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    db = await createTestDatabase('fb_cut');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('commits nothing of the part that arrived', async () => {
    const target = configSchema.parse({ backups: { destination: { dir: '/tmp/x' }, targets: { app: { type: 'postgres', url: db.url, format: 'plain' } } } }).backups.targets.app!;
    const cmd = restoreCommand(target)!;
    const partial = 'CREATE TABLE half (x int);\nINSERT INTO half VALUES (1);\n'; // the COPY of the rest never came
    const r = await execa(cmd.argv[0]!, cmd.argv.slice(1), { env: cmd.env, input: `${cmd.wrap!.before}${partial}`, reject: false });
    expect(r.exitCode).toBe(0);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ t: string | null }>("SELECT to_regclass('public.half')::text AS t");
      expect(rows[0]!.t).toBeNull();
    } finally {
      await client.end();
    }
  });
});
