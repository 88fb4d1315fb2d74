import { excerpt } from '../../core/redact.js';
import type { DeployConfig, DeployOperation, DeployReadResult, DeployRunResult } from '../../core/ports.js';
import { fillArgv } from '../commands/fill-argv.js';
import { describeArgvFailure, runArgv } from '../commands/run-argv.js';

export type CommandsDeploy = Extract<DeployConfig, { kind: 'commands' }>;

/**
 * The `commands` deploy kind: the config's argv templates (Railway CLI, Helm, a script). Values
 * filled into `{service}`, `{replicas}` and `{revision}` are the config's service name and numbers
 * the command already checked, each staying exactly one argument.
 */
export class CommandDeployer {
  describe(service: string, d: CommandsDeploy, op: DeployOperation): string[] | null {
    const template = d[op.kind];
    if (!template) return null;
    const values: Record<string, string> = { service };
    if (op.kind === 'scale') values.replicas = String(op.replicas);
    if (op.kind === 'rollback' && op.toRevision !== null) values.revision = String(op.toRevision);
    try {
      return fillArgv(template, values);
    } catch {
      // A template that needs a value this request does not have (e.g. {revision} without one).
      return null;
    }
  }

  async status(service: string, d: CommandsDeploy): Promise<DeployReadResult> {
    const target = `${service} (deployed with commands)`;
    if (!d.status) return { ok: true, state: { target, revision: null, image: null, replicas: null, ready: null, updated: null, history: [] } };
    const argv = fillArgv(d.status, { service });
    const timeoutMs = d.timeout_s * 1000;
    const r = await runArgv(argv, { timeoutMs, env: { ...(d.env ?? {}) } });
    const problem = describeArgvFailure(r, timeoutMs);
    if (problem) return { ok: false, problem, argv };
    return { ok: true, state: { target, revision: null, image: null, replicas: null, ready: null, updated: null, history: [], output: excerpt([r.stdout, r.stderr].filter(Boolean).join('\n')) } };
  }

  async execute(service: string, d: CommandsDeploy, op: DeployOperation, onLine: (line: string) => void): Promise<DeployRunResult> {
    const argv = this.describe(service, d, op);
    if (!argv) return { ok: false, argv: [], exitCode: null, durationMs: 0, output: '', problem: `${service} has no ${op.kind} command configured (services.${service}.deploy.${op.kind}).` };
    const timeoutMs = d.timeout_s * 1000;
    const r = await runArgv(argv, { timeoutMs, onLine, env: { ...(d.env ?? {}) } });
    const problem = describeArgvFailure(r, timeoutMs);
    return {
      ok: problem === null,
      argv,
      exitCode: r.exitCode,
      durationMs: r.durationMs,
      output: excerpt([r.stdout, r.stderr].filter(Boolean).join('\n')),
      ...(problem ? { problem } : {}),
    };
  }
}
