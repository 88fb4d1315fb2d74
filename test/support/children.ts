import { afterEach } from 'vitest';

/** What is needed of a child: node's ChildProcess and execa's subprocess (not a ChildProcess subtype) both fit. */
export interface Killable {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | string | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', listener: () => void): unknown;
}

/**
 * Child processes a test file started, killed after each test — also after one that timed out or
 * failed half-way. Why: vitest abandons a timed-out test but not the `firebreak` it was waiting on;
 * that child still held the embedded store's lock when the next test's child started, which then
 * exited 1 ("in use by process …") and failed a test that had done nothing wrong.
 *
 * Call at the top of a describe block (it registers an afterEach there); pass every child through
 * `track`. afterEach SIGKILLs what is still running and waits until it has exited, so whatever it
 * held (a data dir lock, a port) is free before the next test starts.
 */
export function reapChildren(): { track<T extends Killable>(child: T): T } {
  const live = new Set<Killable>();
  afterEach(async () => {
    const running = [...live];
    live.clear();
    await Promise.all(running.map(killAndWait));
  });
  return {
    track(child) {
      live.add(child);
      child.once('exit', () => live.delete(child));
      return child;
    },
  };
}

/** SIGKILL one child (never a pid from a file: see pid-file.ts) and resolve once it has exited. */
export async function killAndWait(child: Killable): Promise<void> {
  // Never started (spawn failed: no pid, no exit event), or gone already.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}
