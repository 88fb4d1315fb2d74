import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './wait.js';

/**
 * `firebreak start` processes of the production build (`node dist/cli.js start`), each on a port
 * of its own, for the fault suite: started, killed and started again on the same port (as a pod
 * restarted by Kubernetes keeps its Service), so a proxy in front keeps the same targets.
 */
export interface Replica {
  /** Which slot (0…n-1): its port. */
  index: number;
  port: number;
  proc: ChildProcess;
  /** Everything it wrote to stderr (its log at LOG_LEVEL). */
  stderr: string;
  /** Resolves when the process has exited, with how. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const readyStatus = (port: number): Promise<number> => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status, () => 0);

/** /readyz's HTTP status and its body's status ("ready", "degraded", "not ready"), or 0 and "" when unreachable. */
export const readinessOf = (port: number): Promise<{ code: number; status: string }> =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    async (r) => ({ code: r.status, status: String(((await r.json()) as { status?: unknown }).status ?? '') }),
    () => ({ code: 0, status: '' }),
  );

export class ReplicaSet {
  readonly replicas: Replica[] = [];
  private starts = 0;
  /** Processes the test signalled itself: their exit is expected. */
  private readonly signalled = new Set<ChildProcess>();

  constructor(private readonly opts: { dist: string; cwd: string; ports: number[]; env: Record<string, string> }) {}

  /** Starts slot `index` (again) and waits until its /readyz answers 200. */
  async start(index: number): Promise<Replica> {
    const port = this.opts.ports[index]!;
    const proc = spawn(process.execPath, [this.opts.dist, 'start'], {
      cwd: this.opts.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...this.opts.env, PORT: String(port), FIREBREAK_DATA_DIR: join(this.opts.cwd, `data-${index}-${++this.starts}`) },
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
    const r: Replica = { index, port, proc, stderr: '', exited };
    proc.stderr?.on('data', (d: Buffer) => (r.stderr += d.toString()));
    // A replica that ends on its own (not by the test's signal) is a finding: say why, whatever the test asserts next.
    void exited.then(({ code, signal }) => {
      if (!this.signalled.has(proc)) console.error(`replica :${port} ended on its own (code ${code}, signal ${signal}); the end of its log:\n${r.stderr.slice(-4000)}`);
    });
    this.replicas[index] = r;
    await waitFor(async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`replica :${port} exited ${proc.exitCode ?? proc.signalCode}: ${r.stderr.slice(-600)}`);
      return (await readyStatus(port)) === 200;
    }, 120_000, `replica :${port} /readyz 200`);
    return r;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.opts.ports.map((_, i) => this.start(i)));
  }

  get live(): Replica[] {
    return this.replicas.filter((r) => r.proc.exitCode === null && r.proc.signalCode === null);
  }

  byPid(pid: number): Replica | undefined {
    return this.replicas.find((r) => r.proc.pid === pid);
  }

  /** Sends `signal` to a replica, as Kubernetes or the kernel would. */
  kill(r: Replica, signal: NodeJS.Signals): void {
    this.signalled.add(r.proc);
    r.proc.kill(signal);
  }

  async closeAll(): Promise<void> {
    for (const r of this.replicas) {
      if (r && r.proc.exitCode === null && r.proc.signalCode === null) this.kill(r, 'SIGKILL');
    }
    await Promise.all(this.replicas.filter(Boolean).map((r) => r.exited));
  }
}

/** Processes whose parent is `pid`, with their argv (from /proc, Linux). */
export function childrenOf(pid: number): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push({ pid: Number(entry), argv: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean) });
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/**
 * Polls every port's /readyz until stopped, keeping each change: what a load balancer's
 * readiness checks would have seen during a fault.
 */
export class ReadinessLog {
  readonly changes: { port: number; at: number; status: number }[] = [];
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(private readonly ports: number[], private readonly everyMs = 200) {}

  start(): this {
    this.timer = setInterval(() => void this.poll(), this.everyMs);
    return this;
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await Promise.all(
        this.ports.map(async (port) => {
          const status = await readyStatus(port);
          if (this.last.get(port) !== status) {
            this.last.set(port, status);
            this.changes.push({ port, at: Date.now(), status });
          }
        }),
      );
    } finally {
      this.busy = false;
    }
  }

  /** The statuses `port` went through, in order, without repeats. */
  seen(port: number): number[] {
    return this.changes.filter((c) => c.port === port).map((c) => c.status);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
