import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DirObjectStore } from '../../src/integrations/backup/object-store.js';
import { pgConnection } from '../../src/integrations/backup/pg-connection.js';
import { streamBackup } from '../../src/integrations/backup/stream-backup.js';
import { streamRestore } from '../../src/integrations/backup/stream-restore.js';

describe('backup and restore tools get their own PG* credentials and the base environment, nothing else', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-tool-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the dump and the restore see PGPASSWORD and PATH but not another secret of the host', async () => {
    const store = new DirObjectStore(join(dir, 'store'));
    const location = store.location('pg/env.dump.gz');
    const saved = { ...process.env };
    Object.assign(process.env, { SOME_OTHER_TOKEN: 'sot-77aa66bb55cc', CONDUIT_MASTER_KEY: 'mk-0f1e2d3c4b5a' });
    try {
      // record-env.mjs with no file prints its environment: the "dump" is what the tool was given.
      const dump = { argv: ['node', 'test/fakes/record-env.mjs'], env: pgConnection('postgres://app:dump-pw-123@db.internal:5432/app').env };
      const backup = await streamBackup({ dump, store, location, timeoutMs: 30_000, compressionLevel: 1 });
      expect(backup.ok).toBe(true);
      const dumpSaw = JSON.parse(gunzipSync(readFileSync(location)).toString('utf8')) as Record<string, string>;
      expect(dumpSaw).toMatchObject({ PGPASSWORD: 'dump-pw-123', PATH: process.env.PATH });
      expect(dumpSaw.SOME_OTHER_TOKEN).toBeUndefined();
      expect(dumpSaw.CONDUIT_MASTER_KEY).toBeUndefined();

      const restoreOut = join(dir, 'restore-env.json');
      const restore = { argv: ['node', 'test/fakes/record-env.mjs', restoreOut], env: pgConnection('postgres://app:restore-pw-456@db.internal:5432/app').env };
      const restored = await streamRestore({ restore, store, location, sha256: backup.sha256, timeoutMs: 30_000, countRows: async () => [] });
      expect(restored.ok).toBe(true);
      const restoreSaw = JSON.parse(readFileSync(restoreOut, 'utf8')) as Record<string, string>;
      expect(restoreSaw).toMatchObject({ PGPASSWORD: 'restore-pw-456', PATH: process.env.PATH });
      expect(restoreSaw.SOME_OTHER_TOKEN).toBeUndefined();
      expect(restoreSaw.CONDUIT_MASTER_KEY).toBeUndefined();
    } finally {
      process.env = saved;
    }
  });
});
