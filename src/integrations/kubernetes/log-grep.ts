import { Worker } from 'node:worker_threads';

/**
 * The matching runs in a worker thread that is terminated at the deadline: a typed pattern was
 * checked for the shapes that backtrack exponentially (compileUserRegex), but polynomial blow-ups
 * (`.*.*.*x` over long lines) remain possible, and the event loop must never wait on one.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const re = new RegExp(workerData.source);
parentPort.postMessage(workerData.lines.map((l) => re.test(l)));
`;

export type GrepResult = { ok: true; lines: string[] } | { ok: false; reason: 'timeout' | 'error'; message: string };

/** The lines matching `source`, or a timeout after `timeoutMs` (the worker is terminated). */
export async function grepWithin(lines: readonly string[], source: string, timeoutMs: number): Promise<GrepResult> {
  if (lines.length === 0) return { ok: true, lines: [] };
  const worker = new Worker(WORKER, { eval: true, workerData: { source, lines }, resourceLimits: { maxOldGenerationSizeMb: 128 } });
  return new Promise<GrepResult>((resolve) => {
    let settled = false;
    const done = (r: GrepResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      resolve(r);
    };
    const timer = setTimeout(
      () => done({ ok: false, reason: 'timeout', message: `The pattern took longer than ${timeoutMs / 1000} s over ${lines.length} lines and was stopped; make it simpler (fewer .* and repetitions).` }),
      timeoutMs,
    );
    worker.once('message', (flags: boolean[]) => done({ ok: true, lines: lines.filter((_, i) => flags[i] === true) }));
    worker.once('error', (err) => done({ ok: false, reason: 'error', message: `The pattern could not be applied: ${err.message}.` }));
    worker.once('exit', () => done({ ok: false, reason: 'error', message: 'The pattern could not be applied (its worker stopped).' }));
  });
}
