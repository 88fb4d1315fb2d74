// Builds the embedded store's template: a new PGlite database (initdb) with every migration applied,
// dumped with PGlite's own dumpDataDir() to a gzipped tarball. Runs as a short-lived child process
// of pglite-template.ts, so initdb's memory (PGlite's second instance, which it never frees) is a
// separate process's and is given back to the OS when it exits; a Firebreak process only ever
// loads the tarball. Plain JavaScript for the same reason as pglite-worker.mjs: no tsx loader here.
// Input: one JSON object on stdin ({ settings, bootstrapSql, recordSql, migrations, out }).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';

const job = JSON.parse(readFileSync(0, 'utf8'));
const db = await PGlite.create({ startParams: [...PGlite.defaultStartParams, ...job.settings], initDbStartParams: job.settings });
try {
  await db.exec(job.bootstrapSql);
  for (const m of job.migrations) {
    await db.transaction(async (tx) => {
      try {
        await tx.exec(m.sql);
      } catch (err) {
        throw new Error(`migration ${m.version}_${m.name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await tx.query(job.recordSql, [m.version, m.name]);
    });
  }
  // A checkpoint first, so the tarball's data files hold everything and a load replays no WAL.
  await db.exec('CHECKPOINT');
  const tarball = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
  // Written beside its final name and renamed: a reader never sees half a tarball, and two
  // processes building at once each rename a whole one.
  const tmp = `${job.out}.${process.pid}.tmp`;
  writeFileSync(tmp, tarball);
  renameSync(tmp, job.out);
} finally {
  await db.close();
}
