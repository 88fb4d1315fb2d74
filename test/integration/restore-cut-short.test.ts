import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { execa } from 'execa';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../src/config/schema.js';
import { restoreCommand } from '../../src/integrations/backup/dump-command.js';
import { DirObjectStore } from '../../src/integrations/backup/object-store.js';
import { streamRestore } from '../../src/integrations/backup/stream-restore.js';
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

describe('a restore tool that stops reading early', () => {
  it('fails, and the downloaded file is closed at once (no descriptor left for the garbage collector)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fb-restore-early-'));
    try {
      const gz = gzipSync(randomBytes(8 * 1024 * 1024).toString('hex'));
      const location = join(dir, 'app', 'b.sql.gz');
      const store = new DirObjectStore(dir);
      await store.put(location, Readable.from([gz]));
      const r = await streamRestore({
        restore: { argv: ['node', '-e', "process.stdin.once('data', () => process.exit(3))"], env: {} },
        store,
        location,
        sha256: createHash('sha256').update(gz).digest('hex'),
        timeoutMs: 30_000,
        countRows: async () => [],
      });
      expect(r.ok).toBe(false);
      expect(r.problem).toMatch(/^node exited with 3/);
      const open: string[] = [];
      for (const fd of await readdir('/proc/self/fd')) {
        const target = await readlink(join('/proc/self/fd', fd)).catch(() => '');
        if (target.includes('firebreak-restore-')) open.push(target);
      }
      expect(open).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
