import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MB = 1024 * 1024;

export function mb(n: number): string {
  return `${(n / MB).toFixed(0)} MB`;
}

/** A field of /proc/PID/status in bytes (VmRSS now, VmHWM the peak so far); 0 where there is no procfs. */
export function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * CPU time (user + system, ms) the process has used, and its main thread alone (the thread whose id
 * is the pid: the one that answers HTTP). CPU time, unlike latency, does not depend on how busy the
 * rest of the machine is. 0 where there is no procfs.
 */
export function cpuMs(pid: number): { process: number; mainThread: number } {
  const ticks = (file: string) => {
    try {
      const stat = readFileSync(file, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks (USER_HZ, 100 on Linux).
      return (Number(fields[14 - 3]) + Number(fields[15 - 3])) * 10;
    } catch {
      return 0;
    }
  };
  return { process: ticks(`/proc/${pid}/stat`), mainThread: ticks(`/proc/${pid}/task/${pid}/stat`) };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  if (typeof address !== 'object' || !address) throw new Error('could not find a free port');
  return address.port;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** The peak RSS seen so far: the kernel's high-water mark, polled, and kept after the process exits. */
  peakRss(): number;
  stop(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  ipc?: boolean;
  /** Wait for the first stdout line that parses as JSON and return it. */
  waitForJson?: boolean;
  /** Gets every stderr line (Firebreak logs there) instead of passing it through. */
  onLine?: (line: string) => void;
}

/** Spawns `node ARGS` (a TypeScript script runs through `--import tsx`). */
export async function spawnNode<T>(args: string[], env: NodeJS.ProcessEnv, opts: SpawnOptions = {}): Promise<{ child: Child; first: T | null }> {
  const proc = spawn(process.execPath, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', opts.onLine ? 'pipe' : 'inherit', ...(opts.ipc ? (['ipc'] as const) : [])],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new Error(`could not start node ${args.join(' ')}`);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, procStatus(pid, 'VmHWM'))), 20);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  void exited.then(() => clearInterval(sampler));
  const child: Child = {
    proc,
    pid,
    peakRss: () => Math.max(peak, procStatus(pid, 'VmHWM')),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      // Long enough for a graceful shutdown to finish (and --cpu-prof to write its profile).
      const killer = setTimeout(() => {
        console.error(`  node ${args.join(' ').slice(0, 80)} did not stop within 30 s of SIGTERM: killed`);
        proc.kill('SIGKILL');
      }, 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
  let first: T | null = null;
  if (opts.waitForJson) {
    first = await new Promise<T>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        buf += d.toString('utf8');
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          try {
            const parsed = JSON.parse(line) as T;
            proc.stdout?.off('data', onData);
            resolve(parsed);
            return;
          } catch {
            // not the line we wait for
          }
        }
      };
      proc.stdout?.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`node ${args.join(' ')} exited with ${code} before it was ready`)));
    });
  }
  if (opts.onLine) {
    let buf = '';
    const onLine = opts.onLine;
    proc.stderr?.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        onLine(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
  }
  if (!opts.waitForJson) proc.stdout?.resume();
  return { child, first };
}

/** Waits until GET url answers 200. */
export async function waitForOk(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs / 1000} s`);
}
