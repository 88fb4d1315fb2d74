// Unpacks the embedded store's migrated template (pglite-db.ts, unpackTemplate) in a child process:
// `node template-unpack.mjs TARBALL DIR`, exit 0 when every file is written. In Firebreak's own
// process, tar and gunzip leave ~50 MB of heap and malloc'd buffers behind (on a worker thread too:
// the allocator keeps what that thread freed) just before PGlite's WASM memory grows on top; here
// that memory is gone with the process before the store opens. Plain JavaScript, like
// pglite-worker.mjs, so it runs the same from the sources and from dist/ with no TypeScript tooling.
import { extract } from 'tar';

const [file, cwd] = process.argv.slice(2);
if (!file || !cwd) {
  process.stderr.write('usage: node template-unpack.mjs TARBALL DIR\n');
  process.exit(2);
}
// The tarball's paths are absolute ("/base/1/…"); tar makes them relative to cwd. Reads of 1 MB,
// not tar's default 16 MB.
extract({ file, cwd, onwarn: () => {}, maxReadSize: 1 << 20 }).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
