import type { CommandCheckConfig } from '../../config/schema.js';
import type { ProbeResult } from '../../core/ports.js';
import { cut } from '../../core/text-format.js';
import { describeArgvFailure, runArgv } from '../commands/run-argv.js';
import { failureLine } from '../commands/failure-line.js';
import { describeRange, hasRange, inRange } from './threshold.js';

/** The first number in a program's output: "42", "-3", "0.75" (the lag a script prints, a count). */
export function firstNumber(output: string): number | null {
  const m = /-?\d+(?:\.\d+)?/.exec(output);
  return m ? Number(m[0]) : null;
}

/**
 * Runs the check's argv through the one argv runner (no shell, a timeout that kills) and judges its
 * exit code and, with min/max, the first number on its stdout.
 */
export async function probeCommand(check: CommandCheckConfig): Promise<ProbeResult> {
  const program = check.argv[0]!;
  const target = cut(check.argv.join(' '), 120);
  const r = await runArgv(check.argv, { timeoutMs: check.timeout_ms, env: check.env });
  const result = (ok: boolean, detail: string): ProbeResult => ({ ok, latencyMs: r.durationMs, target, detail });
  // The same words as the network probes' timeouts; describeArgvFailure counts in seconds.
  if (r.timedOut) return result(false, `timeout after ${check.timeout_ms} ms (${program} was stopped)`);
  if (r.notFound || r.exitCode === null) return result(false, describeArgvFailure(r, check.timeout_ms) ?? `${program} was stopped`);
  if (!check.expect_exit.includes(r.exitCode)) {
    const line = failureLine(r.stderr || r.stdout);
    const expected = check.expect_exit.length === 1 ? `${check.expect_exit[0]}` : `one of ${check.expect_exit.join(', ')}`;
    return result(false, `${program} exited with code ${r.exitCode} (expected ${expected})${line ? `: ${line}` : ''}`);
  }
  if (hasRange(check)) {
    const n = firstNumber(r.stdout);
    if (n === null) return result(false, `${program} printed no number to compare (${describeRange(check)})${r.stdout.trim() ? `: ${failureLine(r.stdout)}` : ''}`);
    if (!inRange(n, check)) return result(false, `${program} printed ${n}, ${describeRange(check)}`);
    return result(true, `${program} printed ${n}`);
  }
  return result(true, failureLine(r.stdout) || `exit ${r.exitCode}`);
}
