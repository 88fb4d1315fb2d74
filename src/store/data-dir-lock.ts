import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';

export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
    readonly host?: string,
    readonly command?: string,
  ) {
    super(
      host === undefined
        ? `the embedded store in ${dataDir} is in use by ${holderText(pid, command)}; stop it or set FIREBREAK_DATA_DIR to another directory`
        : `the embedded store in ${dataDir} is locked by ${holderText(pid, command)} on host ${host}, which this machine cannot check; stop it there, or if that host is gone delete ${join(dataDir, 'firebreak.lock')}`,
    );
  }
}

/** "process 123 (firebreak console)": the command says what to stop (a console left open, a server). */
export function holderText(pid: number, command: string | undefined): string {
  return command ? `process ${pid} (${command})` : `process ${pid}`;
}

/**
 * What this process is, as a person typed it: "firebreak console" for bin/firebreak.js, else the
 * script and its arguments. Recorded in the lock file so a refusal can name the holder.
 */
export function commandOf(argv: readonly string[]): string {
  const [, script = '', ...args] = argv;
  const name = basename(script).replace(/\.[cm]?[jt]s$/, '');
  return [name, ...args].join(' ').slice(0, 200);
}

/**
 * Lock files this process holds right now. A lock file naming our own pid is only really ours when
 * it is in here: in a container the restarted process often gets the same pid (1, 7, …) as the one
 * that crashed, and that crashed process's lock must not keep Firebreak from ever starting again.
 */
const heldHere = new Set<string>();

const lockFileSchema = z.object({
  pid: z.number().int().positive(),
  // Linux only: the kernel's start time of the holder, so a live but unrelated process that reused the pid is not mistaken for it.
  procStart: z.string().optional(),
  bootId: z.string().optional(),
  // Another host's pids mean nothing here (two pods on a shared volume are both pid 1).
  host: z.string().optional(),
  // The holder's command line (commandOf), for the refusal: "process 123 (firebreak console)".
  command: z.string().max(200).optional(),
});
type LockFile = z.infer<typeof lockFileSchema>;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Field 22 of a /proc/PID/stat line (start time in clock ticks since boot). */
export function parseProcStatStartTime(stat: string): string | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces or ')': count fields after the last ')'.
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const start = stat.slice(close + 2).split(' ')[22 - 3];
  return start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/** The start time of a live process, or undefined where there is no procfs (macOS, Windows) or no such process. */
export function processStartTime(pid: number): string | undefined {
  try {
    return parseProcStatStartTime(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Start times count from boot, so they are only comparable within one boot. */
function bootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function readLockFile(file: string): LockFile | null {
  try {
    const parsed = lockFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function isHeld(file: string, lock: LockFile): boolean {
  // Another machine's lock cannot be checked from here: held, and the error says how to clear it.
  if (lock.host !== undefined && lock.host !== hostname()) return true;
  if (lock.pid === process.pid) return heldHere.has(file);
  if (!alive(lock.pid)) return false;
  // Only when both sides are known and from this boot can a mismatch prove the pid was reused.
  if (lock.procStart !== undefined && lock.bootId !== undefined && lock.bootId === bootId()) {
    const now = processStartTime(lock.pid);
    if (now !== undefined && now !== lock.procStart) return false;
  }
  return true;
}

/** The pid holding the data dir, or null when it is free (a lock left by a dead process, or by a previous life of our own pid, counts as free). */
export function lockHolder(dataDir: string): number | null {
  return lockHeldBy(dataDir)?.pid ?? null;
}

/** Who holds the data dir (pid, and its command where the lock file records it), or null when it is free. */
export function lockHeldBy(dataDir: string): LockFile | null {
  const file = resolve(dataDir, 'firebreak.lock');
  const lock = readLockFile(file);
  return lock !== null && isHeld(file, lock) ? lock : null;
}

/**
 * Creates `file` with `content`, failing with EEXIST when it exists. Written whole to a private file
 * and then linked into place, so another process never reads an empty lock file and mistakes it for
 * an abandoned one. Some mounts (SMB, a few FUSE filesystems) have no hard links: there, O_EXCL.
 */
function createExclusive(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    const fd = openSync(file, 'wx', 0o600);
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * PGlite is one session: two processes opening the same data directory would corrupt it.
 * An O_EXCL lock file holds the pid (and its start time where /proc exists); a lock whose
 * process is gone is taken over. A second open from this same process is refused too.
 */
export function acquireDataDirLock(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(join(dataDir, 'firebreak.lock'));
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const content: LockFile & { startedAt: string } = { pid: process.pid, host: hostname(), command: commandOf(process.argv), startedAt: new Date().toISOString() };
      const procStart = processStartTime(process.pid);
      const boot = bootId();
      if (procStart !== undefined && boot !== undefined) Object.assign(content, { procStart, bootId: boot });
      createExclusive(file, JSON.stringify(content));
      heldHere.add(file);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        // A process that opens and closes stores many times (the test runner's workers) must not collect listeners.
        process.removeListener('exit', release);
        heldHere.delete(file);
        try {
          if (readLockFile(file)?.pid === process.pid) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHeldBy(dataDir);
      if (holder !== null) throw new DataDirLockedError(dataDir, holder.pid, holder.host !== undefined && holder.host !== hostname() ? holder.host : undefined, holder.command);
      try {
        unlinkSync(file); // stale: its process is gone (or it was a previous process with our pid)
      } catch {
        /* someone else removed it first */
      }
    }
  }
  throw new Error(`could not lock ${dataDir}: the lock file keeps reappearing`);
}
