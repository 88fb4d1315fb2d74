import type { ActionRequest, ActionResult, ActionRunner } from '../../core/ports.js';
import { excerpt } from '../../core/redact.js';
import { applyOutputFilters, compileOutputFilters, excerptStart } from '../../core/output-filters.js';
import { describeArgvFailure, runArgv } from '../commands/run-argv.js';
import { fillActionArgv, fillActionEnv, fillHttpRequest, UnsafeParamError, type FilledHttpRequest } from './fill-action.js';
import { performHttpAction } from './http-action.js';

/** What chat shows and the timeline keeps of an action's output. */
const OUTPUT_CHARS = 1500;

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
    // Checked at config load; compiled per run (config stays plain, frozen data).
    const filters = compileOutputFilters(req.action.output);
    const filter = filters.length > 0 ? (text: string) => applyOutputFilters(text, filters) : undefined;
    if (req.action.http) {
      let filled: FilledHttpRequest;
      try {
        filled = fillHttpRequest(req.action, req.values);
      } catch (err) {
        if (!(err instanceof UnsafeParamError)) throw err;
        return { ok: false, argv: [req.action.http.method, req.action.http.url], exitCode: null, durationMs: 0, output: '', problem: err.message };
      }
      return performHttpAction(filled, { timeoutMs, expectStatus: req.action.http.expect_status, ...(filter ? { filter } : {}) });
    }
    const r = await runArgv(fillActionArgv(req.action, req.values), { timeoutMs, env: fillActionEnv(req.action, req.values, req.secrets), signal: req.signal });
    // An exit code the action expects (grep's 1: nothing found) is an answer, not a failure.
    const expected = r.exitCode !== null && req.action.expect_exit.includes(r.exitCode) && !r.timedOut && !r.notFound;
    const problem = expected ? null : describeArgvFailure(r, timeoutMs);
    if (!filter) {
      const output = [r.stdout, r.stderr].filter((s) => s.trim() !== '').join('\n');
      return { ok: problem === null, argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: excerpt(output, OUTPUT_CHARS), problem: problem ?? undefined };
    }
    // The filters read stdout; stderr is shown only when it failed, where it says why.
    const shown = [filter(r.stdout), problem ? r.stderr : ''].filter((s) => s.trim() !== '').join('\n');
    return { ok: problem === null, argv: r.argv, exitCode: r.exitCode, durationMs: r.durationMs, output: excerptStart(shown, OUTPUT_CHARS), filtered: true, problem: problem ?? undefined };
  }
}
