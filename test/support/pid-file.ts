import { existsSync, readFileSync } from 'node:fs';

/**
 * The pid a test tool wrote to its marker file, or undefined while there is none yet.
 *
 * Why this exists: `Number(readFileSync(marker))` on a file the tool has created but not yet
 * written is `Number('') === 0`, and `process.kill(0, 'SIGKILL')` kills the caller's whole process
 * group — vitest, npm and the CI script with it (a CI run once ended with exit 137 that way).
 */
export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8').trim();
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  return pid > 1 ? pid : undefined;
}

/** SIGKILL one process by pid, if it is still there. Refuses anything but a single other process. */
export function killPid(pid: number | undefined): void {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1 || pid === process.pid) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** SIGKILL the process whose pid a marker file holds, if any. */
export function killPidInFile(file: string): void {
  killPid(readPid(file));
}
