import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import { failureLine } from '../commands/failure-line.js';
import { toolEnv } from '../tool-env.js';
import { duration } from '../../core/text-format.js';
import type { RestoreRunResult } from '../../backups/backup-port.js';
import type { DumpCommand } from './dump-command.js';
import type { ObjectStore } from './object-store.js';
import { HashTap, tail } from './stream-backup.js';

/**
 * download → verify sha256 → gunzip → psql/pg_restore. The object is downloaded to a temporary
 * file first: the checksum must be verified before a single statement reaches the database.
 * (Memory stays flat; disk use is the backup's size, removed afterwards.)
 */
export async function streamRestore(opts: {
  restore: DumpCommand;
  store: ObjectStore;
  location: string;
  /** The recorded checksum; null for an object Firebreak did not make (its checksum is reported instead). */
  sha256: string | null;
  /** A target's timeout_s (at least 10) in ms: whole seconds, so the 'seconds' style writes "3600 s" as before. */
  timeoutMs: number;
  onStage?: (stage: string) => void;
  /** Null when what the tool writes into cannot be counted (a `restore:` argv). */
  countRows: (() => Promise<{ table: string; rows: number }[]>) | null;
}): Promise<RestoreRunResult> {
  const started = performance.now();
  const argv = opts.restore.argv;
  const base = { argv, exitCode: null, tables: [], stderr: '' };
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-restore-'));
  const file = join(dir, 'backup.gz');
  const done = (r: Omit<RestoreRunResult, 'durationMs'>): RestoreRunResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
  try {
    opts.onStage?.('downloading');
    const tap = new HashTap();
    try {
      await pipeline(await opts.store.get(opts.location), tap, createWriteStream(file));
    } catch (err) {
      return done({ ...base, ok: false, problem: `${(err as Error).message}. Nothing was restored.` });
    }
    const actual = tap.hash.digest('hex');
    if (opts.sha256 !== null && actual !== opts.sha256) {
      return done({
        ...base,
        ok: false,
        problem: `Checksum mismatch: ${opts.location} has sha256 ${actual.slice(0, 16)}…, the recorded backup has ${opts.sha256.slice(0, 16)}…. The object was changed or damaged; nothing was restored.`,
      });
    }

    opts.onStage?.('restoring');
    const [bin, ...args] = argv;
    const child = execa(bin!, args, {
      shell: false,
      reject: false,
      timeout: opts.timeoutMs,
      forceKillAfterDelay: 5000,
      env: toolEnv(opts.restore.env),
      extendEnv: false,
      stdin: 'pipe',
      stdout: 'ignore',
      buffer: { stderr: true },
      maxBuffer: { stderr: 4 * 1024 * 1024 },
      stripFinalNewline: true,
    });
    // Never end the tool's stdin because the feed failed: EOF reads as "the script is over", and a
    // COMMIT for what arrived so far would restore part of the data (see restoreCommand's wrap). On a feed error the tool is killed first (its connection
    // drops, the server rolls the transaction back); stdin is ended only after the whole file fed.
    const feedError = await feed(file, child.stdin!, opts.restore.wrap, await isGzip(file)).then(
      () => null,
      (err: Error) => err,
    );
    if (feedError) child.kill('SIGKILL');
    const result = await child;
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
    const stderr = tail(typeof result.stderr === 'string' ? result.stderr : '');
    let problem: string | undefined;
    if (result.timedOut) problem = `${bin} did not finish within ${duration(opts.timeoutMs, 'seconds')} and was stopped; its transaction was rolled back`;
    else if ((result as { code?: string }).code === 'ENOENT') problem = `${bin} is not installed on this machine; nothing was restored`;
    else if (feedError && (feedError as NodeJS.ErrnoException).code !== 'EPIPE') {
      problem = `The backup could not be read to the end (${feedError.message}), so ${bin} was stopped before it could commit; its transaction was rolled back and nothing was restored`;
    } else if (exitCode !== 0) problem = `${bin} exited with ${exitCode ?? result.signal ?? 'no exit code'}; its transaction was rolled back${stderr ? `: ${failureLine(stderr)}` : ''}`;
    else if (feedError) problem = `${bin} stopped reading the backup (${feedError.message}); nothing was restored`;
    if (problem) return done({ ...base, exitCode, stderr, ok: false, problem, sha256: actual });

    if (!opts.countRows) return done({ argv, exitCode, stderr, ok: true, tables: [], sha256: actual });
    opts.onStage?.('counting rows');
    const tables = await opts.countRows();
    return done({ argv, exitCode, stderr, ok: true, tables, sha256: actual });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** gzip's magic bytes: an object Firebreak did not make may be a plain .sql or .tsv. */
async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

/**
 * Streams the gunzipped file into `stdin` with backpressure and ends stdin only when every byte
 * was written. Rejects on a read, gunzip or write error without ending or destroying stdin.
 */
async function feed(file: string, stdin: Writable, wrap: { before: string; after: string } | undefined, gzipped: boolean): Promise<void> {
  let writeError: Error | null = null;
  const onError = (err: Error) => {
    writeError = err;
  };
  stdin.on('error', onError);
  const source = createReadStream(file);
  const gunzip = gzipped ? createGunzip() : new PassThrough();
  try {
    // pipe() does not forward a read error; without this a failed read would look like a clean end.
    source.on('error', (err) => gunzip.destroy(err));
    source.pipe(gunzip);
    async function* framed(): AsyncGenerator<Buffer> {
      if (wrap) yield Buffer.from(wrap.before);
      yield* gunzip as AsyncIterable<Buffer>;
      if (wrap) yield Buffer.from(wrap.after);
    }
    for await (const chunk of framed()) {
      if (writeError) throw writeError;
      if (!stdin.write(chunk)) {
        // Both waits are cancelled once either fires: a big restore waits thousands of times, and
        // a 'close' listener left behind each time would pile up.
        const waiting = new AbortController();
        await Promise.race([once(stdin, 'drain', { signal: waiting.signal }), once(stdin, 'close', { signal: waiting.signal })]).finally(() => waiting.abort());
      }
      if (writeError) throw writeError;
      if (stdin.destroyed || stdin.writableEnded) throw Object.assign(new Error('the restore tool closed its input'), { code: 'EPIPE' });
    }
    stdin.end();
  } finally {
    // The loop stops early on a write error or a closed input: close the file now rather than
    // leave its descriptor open until the stream is garbage-collected. (No-ops after a full read.)
    source.destroy();
    gunzip.destroy();
    stdin.off('error', onError);
    // A late EPIPE after the tool exited must not become an unhandled 'error' event.
    stdin.on('error', () => {});
  }
}
