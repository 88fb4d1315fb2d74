import { execa } from 'execa';
import { toolEnv } from '../tool-env.js';
import { failureLine } from './failure-line.js';

export interface ArgvResult {
  argv: string[];
  /** null when the process was killed (timeout) or never started. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** The executable does not exist on this machine (ENOENT). */
  notFound: boolean;
}

export interface RunArgvOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  env?: Record<string, string>;
  /** Each output line as it arrives (stdout and stderr), e.g. rollout progress. */
  onLine?: (line: string) => void;
  input?: string;
}

/**
 * Runs one external program: argv array, no shell, a timeout that kills (SIGTERM, then SIGKILL
 * after 5 s). Never throws for a failing program; the result says what happened.
 */
export async function runArgv(argv: readonly string[], opts: RunArgvOptions): Promise<ArgvResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('runArgv needs a program to run');
  const started = performance.now();
  const sub = execa(file, args, {
    shell: false,
    reject: false,
    timeout: opts.timeoutMs,
    forceKillAfterDelay: 5000,
    cancelSignal: opts.signal,
    env: toolEnv(opts.env),
    extendEnv: false,
    input: opts.input,
    stdin: opts.input === undefined ? 'ignore' : undefined,
    stripFinalNewline: true,
    maxBuffer: 10 * 1024 * 1024,
    lines: false,
  });
  if (opts.onLine) {
    const onLine = opts.onLine;
    let buffered = '';
    const feed = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const p of parts) if (p.trim() !== '') onLine(p);
    };
    sub.stdout?.on('data', feed);
    sub.stderr?.on('data', feed);
  }
  const r = await sub;
  const notFound = (r as { code?: string }).code === 'ENOENT' || /ENOENT/.test(String(r.originalMessage ?? ''));
  return {
    argv: [...argv],
    exitCode: typeof r.exitCode === 'number' ? r.exitCode : null,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    durationMs: Math.round(performance.now() - started),
    timedOut: r.timedOut === true,
    notFound,
  };
}

/** One sentence for what went wrong, or null when the program exited 0. */
export function describeArgvFailure(r: ArgvResult, timeoutMs: number): string | null {
  if (r.notFound) return `${r.argv[0]} is not installed on the Firebreak host (or not on its PATH).`;
  if (r.timedOut) return `${r.argv[0]} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped.`;
  if (r.exitCode === 0) return null;
  const line = failureLine(r.stderr || r.stdout);
  return `${r.argv[0]} exited with code ${r.exitCode ?? 'unknown'}${line ? `: ${line}` : ''}`;
}
