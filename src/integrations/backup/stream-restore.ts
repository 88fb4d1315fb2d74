import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { execa } from 'execa';
import type { RestoreRunResult } from '../../core/ports.js';
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
  sha256: string;
  timeoutMs: number;
  onStage?: (stage: string) => void;
  countRows: () => Promise<{ table: string; rows: number }[]>;
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
    if (actual !== opts.sha256) {
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
      env: opts.restore.env,
      extendEnv: true,
      stdin: 'pipe',
      stdout: 'ignore',
      buffer: { stderr: true },
      maxBuffer: { stderr: 4 * 1024 * 1024 },
      stripFinalNewline: true,
    });
    let feedError: Error | null = null;
    // If the tool stops early (an error with ON_ERROR_STOP), its stdin closes: that is reported by its exit code.
    const feed = pipeline(createReadStream(file), createGunzip(), child.stdin!).catch((err: Error) => {
      feedError = err;
    });
    const result = await child;
    await feed;
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : null;
    const stderr = tail(typeof result.stderr === 'string' ? result.stderr : '');
    let problem: string | undefined;
    if (result.timedOut) problem = `${bin} did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped; the single transaction was rolled back`;
    else if ((result as { code?: string }).code === 'ENOENT') problem = `${bin} is not installed on this machine; nothing was restored`;
    else if (exitCode !== 0) problem = `${bin} exited with ${exitCode ?? result.signal ?? 'no exit code'}; the single transaction was rolled back${stderr ? `: ${stderr.split('\n').filter(Boolean).pop() ?? ''}` : ''}`;
    else if (feedError && (feedError as NodeJS.ErrnoException).code !== 'EPIPE') problem = `reading the backup failed: ${(feedError as Error).message}`;
    if (problem) return done({ ...base, exitCode, stderr, ok: false, problem });

    opts.onStage?.('counting rows');
    const tables = await opts.countRows();
    return done({ argv, exitCode, stderr, ok: true, tables });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
