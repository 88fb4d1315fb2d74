import { createHash } from 'node:crypto';
import { PassThrough, Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { execa } from 'execa';
import { failureLine } from '../commands/failure-line.js';
import { toolEnv } from '../tool-env.js';
import { duration } from '../../core/text-format.js';
import type { BackupProgress, BackupRunResult } from '../../backups/backup-port.js';
import type { DumpCommand } from './dump-command.js';
import { UploadLeftBehindError, type ObjectStore } from './object-store.js';

const STDERR_MAX = 4 * 1024 * 1024;

export function tail(text: string, max = 2000): string {
  const t = text.trim();
  return t.length <= max ? t : `…${t.slice(-max)}`;
}

/** Counts and hashes the bytes that pass through, unchanged. */
export class HashTap extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  constructor(private readonly onBytes?: (bytes: number) => void) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    this.onBytes?.(this.bytes);
    cb(null, chunk);
  }
}

/**
 * dump stdout → gzip → sha256 tap → object store, streaming (memory flat whatever the size).
 * The upload's body is ended only after the dump exited 0; otherwise it is destroyed, which makes
 * the store abort (multipart abort, .partial removed), so a partial dump is never a complete object.
 */
export async function streamBackup(opts: {
  dump: DumpCommand;
  store: ObjectStore;
  location: string;
  /** A target's timeout_s (at least 10) in ms: whole seconds, so the 'seconds' style writes "3600 s" as before. */
  timeoutMs: number;
  compressionLevel: number;
  onProgress?: (p: BackupProgress) => void;
  /** Aborted at shutdown: the dump is killed and the upload stopped (also after the dump finished), like any other failure. */
  signal?: AbortSignal;
}): Promise<BackupRunResult> {
  const started = performance.now();
  const [file, ...args] = opts.dump.argv;
  if (!file) throw new Error('backup command is empty');
  const child = execa(file, args, {
    shell: false,
    reject: false,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 5000,
    env: toolEnv(opts.dump.env),
    extendEnv: false,
    stdin: 'ignore',
    buffer: { stdout: false, stderr: true },
    maxBuffer: { stderr: STDERR_MAX },
    stripFinalNewline: true,
    ...(opts.signal ? { cancelSignal: opts.signal } : {}),
  });
  const tap = new HashTap((bytes) => opts.onProgress?.({ bytes }));
  const body = new PassThrough();
  // We destroy it ourselves to fail the upload; a store that already stopped reading it (its own
  // failure came first) no longer listens, and the error must not become an uncaught exception.
  body.on('error', () => {});
  tap.pipe(body, { end: false });

  let uploadError: Error | null = null;
  const upload = opts.store.put(opts.location, body, opts.signal).catch((err: Error) => {
    uploadError = err;
    // Nobody reads the dump any more: stop it rather than let it block on a full pipe until the timeout.
    child.kill();
    tap.destroy();
  });

  let streamError: Error | null = null;
  const compressed = child.stdout
    ? pipeline(child.stdout, createGzip({ level: opts.compressionLevel }), tap).then(() => finished(tap))
    : Promise.reject(new Error('the backup command has no stdout'));
  await compressed.catch((err: Error) => {
    streamError = err;
  });
  const result = await child;
  const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
  const stderr = tail(typeof result.stderr === 'string' ? result.stderr : '');

  let problem: string | undefined;
  // A dump that had already exited 0 when the signal came was not stopped (execa may still flag the
  // cancel when the exit is reaped after the abort); what was stopped then is the upload, below.
  if (result.isCanceled && exitCode !== 0) problem = `${file} was stopped before it finished: ${reasonOf(opts.signal)}`;
  else if (result.timedOut) problem = `${file} did not finish within ${duration(opts.timeoutMs, 'seconds')} and was stopped`;
  else if ((result as { code?: string }).code === 'ENOENT') problem = `${file} is not installed on this machine`;
  else if (uploadError) problem = (uploadError as Error).message;
  else if (exitCode !== 0) problem = `${file} exited with ${exitCode ?? result.signal ?? 'no exit code'}${stderr ? `: ${failureLine(stderr)}` : ''}`;
  else if (streamError) problem = `compressing the backup failed: ${(streamError as Error).message}`;

  if (problem) body.destroy(new Error(problem));
  else body.end();
  await upload;
  if (!problem && uploadError) problem = (uploadError as Error).message;
  // The dump failed first and the store then could not clean up: say what was left behind.
  const leftBehind = uploadError as Error | null;
  if (problem && leftBehind instanceof UploadLeftBehindError && !problem.includes(leftBehind.leftover)) problem = `${problem}. ${leftBehind.leftover}`;
  if (problem) {
    // Belt and braces: whatever a store did with the aborted body, no object stays at this location.
    await opts.store.remove(opts.location).catch(() => {});
  }
  return {
    ok: !problem,
    sizeBytes: tap.bytes,
    sha256: tap.hash.digest('hex'),
    durationMs: Math.round(performance.now() - started),
    argv: opts.dump.argv,
    exitCode,
    problem,
    ...(problem && leftBehind instanceof UploadLeftBehindError ? { leftBehind: true } : {}),
    stderr,
  };
}

function reasonOf(signal: AbortSignal | undefined): string {
  const r: unknown = signal?.reason;
  return r instanceof Error ? r.message : typeof r === 'string' ? r : 'cancelled';
}
