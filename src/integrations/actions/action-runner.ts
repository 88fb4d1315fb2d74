import type { ActionRequest, ActionResult, ActionRunner } from '../../core/ports.js';
import { excerpt } from '../../core/redact.js';
import { describeArgvFailure, runArgv } from '../commands/run-argv.js';
import { fillActionArgv, fillHttpRequest, UnsafeParamError, type FilledHttpRequest } from './fill-action.js';
import { performHttpAction } from './http-action.js';

/** Runs the config's custom actions: argv templates through the shared runner, HTTP templates with fetch. */
export class ConfiguredActionRunner implements ActionRunner {
  describe(req: ActionRequest): string[] {
    if (req.action.http) {
      const r = fillHttpRequest(req.action, req.values);
      return [r.method, r.url];
    }
    return fillActionArgv(req.action, req.values);
  }

  refusal(req: ActionRequest): string | null {
    if (!req.action.http) return null;
    try {
      fillHttpRequest(req.action, req.values);
      return null;
    } catch (err) {
      if (err instanceof UnsafeParamError) return err.message;
      throw err;
    }
  }

  async run(req: ActionRequest): Promise<ActionResult> {
    const timeoutMs = req.action.timeout_s * 1000;
    if (req.action.http) {
      let filled: FilledHttpRequest;
      try {
        filled = fillHttpRequest(req.action, req.values);
      } catch (err) {
        if (!(err instanceof UnsafeParamError)) throw err;
        return { ok: false, argv: [req.action.http.method, req.action.http.url], exitCode: null, durationMs: 0, output: '', problem: err.message };
      }
      return performHttpAction(filled, { timeoutMs, expectStatus: req.action.http.expect_status });
    }
    const r = await runArgv(fillActionArgv(req.action, req.values), { timeoutMs, env: { ...req.action.env }, signal: req.signal });
    const problem = describeArgvFailure(r, timeoutMs);
    const output = [r.stdout, r.stderr].filter((s) => s.trim() !== '').join('\n');
    return { ok: problem === null, argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: excerpt(output, 1500), problem: problem ?? undefined };
  }
}
