import { excerpt } from '../../core/redact.js';
import type { DeployOperation, DeployPod, DeployReadResult, DeployRevision, DeployRunResult, DeployState, LogsQuery, LogsResult } from '../../core/ports.js';
import { cut } from '../../core/text-format.js';
import { failureLine } from '../commands/failure-line.js';
import { describeArgvFailure, runArgv, type ArgvResult } from '../commands/run-argv.js';
import { kubectlArgv, kubectlBase, type KubernetesDeploy } from './kubectl-argv.js';
import { grepWithin } from './log-grep.js';
import { CHANGE_CAUSE, deploymentSchema, imageIn, podListSchema, REVISION, replicaSetListSchema, type KubeDeployment } from './kube-objects.js';

export interface KubectlOptions {
  /** The kubectl executable; "kubectl" from PATH unless a test or a packaged install says otherwise. */
  kubectl?: string;
  /** Per-request timeout for reads and for the change itself (the rollout wait has its own). */
  requestTimeoutMs?: number;
}

function where(d: KubernetesDeploy): string {
  return `deployment ${d.deployment} in namespace ${d.namespace}${d.context ? ` (context ${d.context})` : ''}`;
}

/** One sentence for a failed kubectl run, in terms of the cluster rather than the exit code. */
export function kubectlProblem(r: ArgvResult, d: KubernetesDeploy, timeoutMs: number): string | null {
  if (r.notFound || r.timedOut) return describeArgvFailure(r, timeoutMs);
  if (r.exitCode === 0) return null;
  const err = (r.stderr || r.stdout).trim();
  // klog's "E1125 07:44:02 …" lines are retries and internals; the line kubectl itself prints says it plainly.
  const line = failureLine(err.split('\n').filter((l) => !/^[EIW]\d{4} /.test(l)).join('\n')) || failureLine(err);
  if (/Forbidden|Unauthorized|forbidden/.test(err)) return `kubectl has no access to ${where(d)}: ${line}`;
  if (/Unable to connect to the server|connection to the server .* was refused|connection refused|no such host|i\/o timeout|couldn't get current server API group list/.test(err)) {
    return `Firebreak cannot reach the Kubernetes cluster for ${where(d)}: ${line}`;
  }
  if (/context .* does not exist|no context exists/.test(err)) return `The kubeconfig has no context "${d.context ?? ''}": ${line}`;
  if (/NotFound|not found/.test(err)) return `The ${where(d)} was not found: ${line}`;
  if (/context deadline exceeded|Client.Timeout|timed out/.test(err)) return `kubectl timed out talking to the cluster for ${where(d)}: ${line}`;
  return `kubectl exited with code ${r.exitCode ?? 'unknown'}: ${line}`;
}

/** /logs bounds: lines and bytes per container, the length of a line kept, and how long a typed pattern may take. */
export const LOGS_TAIL_LINES = 1000;
const LOGS_LIMIT_BYTES = 512 * 1024;
export const LOG_LINE_MAX = 1000;
const LOG_GREP_TIMEOUT_MS = 2000;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Deploy operations on Kubernetes through the real kubectl (argv, no shell, timeouts that kill). */
export class KubernetesDeployer {
  private readonly kubectl: string;
  private readonly requestTimeoutMs: number;

  constructor(opts: KubectlOptions = {}) {
    this.kubectl = opts.kubectl ?? 'kubectl';
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  private base(d: KubernetesDeploy): string[] {
    return kubectlBase(this.kubectl, d, Math.max(1, Math.ceil(this.requestTimeoutMs / 1000)));
  }

  /** The process timeout: a little longer than kubectl's own request timeout so its message wins. */
  private get processTimeoutMs(): number {
    return this.requestTimeoutMs + 5_000;
  }

  describe(d: KubernetesDeploy, op: DeployOperation): string[] | null {
    const b = this.base(d);
    if (op.kind === 'rollback') return op.toRevision === null ? null : kubectlArgv.undo(b, d, op.toRevision);
    if (op.kind === 'scale') return kubectlArgv.scale(b, d, op.replicas, op.expectCurrent);
    return kubectlArgv.restart(b, d);
  }

  async status(d: KubernetesDeploy): Promise<DeployReadResult> {
    const b = this.base(d);
    const getArgv = kubectlArgv.getDeployment(b, d);
    const got = await runArgv(getArgv, { timeoutMs: this.processTimeoutMs, env: { ...(d.env ?? {}) } });
    const problem = kubectlProblem(got, d, this.processTimeoutMs);
    if (problem) return { ok: false, problem, argv: getArgv };
    const dep = deploymentSchema.safeParse(parseJson(got.stdout));
    if (!dep.success) return { ok: false, problem: `kubectl printed something that is not the ${where(d)} (unexpected JSON).`, argv: getArgv };
    const selector = dep.data.spec.selector.matchLabels ?? {};
    let history: DeployRevision[] = [];
    let pods: DeployPod[] | undefined;
    if (Object.keys(selector).length > 0) {
      const rsArgv = kubectlArgv.listReplicaSets(b, selector);
      const [rs, podRead] = await Promise.all([runArgv(rsArgv, { timeoutMs: this.processTimeoutMs, env: { ...(d.env ?? {}) } }), runArgv(kubectlArgv.listPods(b, selector), { timeoutMs: this.processTimeoutMs, env: { ...(d.env ?? {}) } })]);
      pods = podsFrom(podRead, d.container);
      const rsProblem = kubectlProblem(rs, d, this.processTimeoutMs);
      if (rsProblem) return { ok: false, problem: rsProblem, argv: rsArgv };
      const list = replicaSetListSchema.safeParse(parseJson(rs.stdout));
      if (!list.success) return { ok: false, problem: `kubectl printed something that is not a replicaset list for the ${where(d)}.`, argv: rsArgv };
      history = list.data.items
        // Only replicasets this deployment controls: a shared label must not mix in another app's history.
        .filter((x) => (x.metadata.ownerReferences ?? []).some((o) => o.uid === dep.data.metadata.uid))
        .map((x) => ({
          revision: Number(x.metadata.annotations?.[REVISION] ?? NaN),
          image: imageIn(x.spec.template, d.container),
          changeCause: x.metadata.annotations?.[CHANGE_CAUSE] ?? null,
          createdAt: x.metadata.creationTimestamp ?? null,
        }))
        .filter((x) => Number.isInteger(x.revision) && x.revision > 0)
        .sort((a, b2) => b2.revision - a.revision);
    }
    return { ok: true, state: { ...this.stateOf(d, dep.data, history), ...(pods ? { pods } : {}) } };
  }

  /**
   * The recent lines of the deployment's pods (read by its own selector), each cut to LOG_LINE_MAX
   * characters, then the typed pattern applied in a worker that is stopped after 2 s.
   */
  async logs(d: KubernetesDeploy, q: LogsQuery): Promise<LogsResult> {
    const b = this.base(d);
    const env = { ...(d.env ?? {}) };
    const getArgv = kubectlArgv.getDeployment(b, d);
    const got = await runArgv(getArgv, { timeoutMs: this.processTimeoutMs, env });
    const problem = kubectlProblem(got, d, this.processTimeoutMs);
    if (problem) return { ok: false, problem, argv: getArgv };
    const dep = deploymentSchema.safeParse(parseJson(got.stdout));
    if (!dep.success) return { ok: false, problem: `kubectl printed something that is not the ${where(d)} (unexpected JSON).`, argv: getArgv };
    const selector = dep.data.spec.selector.matchLabels ?? {};
    if (Object.keys(selector).length === 0) return { ok: false, problem: `The ${where(d)} has no matchLabels selector, so Firebreak cannot tell which pods are its own.`, argv: getArgv };
    const argv = kubectlArgv.logs(b, d, selector, { tailLines: LOGS_TAIL_LINES, limitBytes: LOGS_LIMIT_BYTES, sinceS: q.sinceS, previous: q.previous });
    const r = await runArgv(argv, { timeoutMs: this.processTimeoutMs, env });
    if (q.previous && r.exitCode !== 0 && /previous terminated container/.test(r.stderr)) {
      return { ok: false, argv, problem: `A pod of the ${where(d)} has no previous container to read (it has not restarted since it started): ${failureLine(r.stderr)}` };
    }
    const logsProblem = kubectlProblem(r, d, this.processTimeoutMs);
    if (logsProblem) return { ok: false, argv, problem: logsProblem };
    const read = r.stdout === '' ? [] : r.stdout.replace(/\r\n/g, '\n').split('\n').map((l) => cut(l, LOG_LINE_MAX));
    if (!q.grep) return { ok: true, argv, lines: read, read: read.length };
    const g = await grepWithin(read, q.grep, LOG_GREP_TIMEOUT_MS);
    if (!g.ok) return { ok: false, argv, problem: g.message };
    return { ok: true, argv, lines: g.lines, read: read.length };
  }

  private stateOf(d: KubernetesDeploy, dep: KubeDeployment, history: DeployRevision[]): DeployState {
    const rev = Number(dep.metadata.annotations?.[REVISION] ?? NaN);
    return {
      target: where(d),
      revision: Number.isInteger(rev) ? rev : null,
      image: imageIn(dep.spec.template, d.container),
      replicas: dep.spec.replicas ?? null,
      ready: dep.status?.readyReplicas ?? 0,
      updated: dep.status?.updatedReplicas ?? 0,
      history,
    };
  }

  async execute(d: KubernetesDeploy, op: DeployOperation, onLine: (line: string) => void): Promise<DeployRunResult> {
    const argv = this.describe(d, op);
    if (!argv) return { ok: false, argv: [], exitCode: null, durationMs: 0, output: '', problem: 'A Kubernetes rollback needs a target revision.' };
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const change = await runArgv(argv, { timeoutMs: this.processTimeoutMs, onLine, env: { ...(d.env ?? {}) } });
    const outputs = [change.stdout, change.stderr].filter(Boolean);
    const problem = kubectlProblem(change, d, this.processTimeoutMs);
    if (problem) return { ok: false, argv, exitCode: change.exitCode, durationMs: elapsed(), output: excerpt(outputs.join('\n')), problem };

    // The change is accepted; now wait until the new pods are ready (or the rollout timeout passes).
    const statusArgv = kubectlArgv.rolloutStatus(this.base(d), d);
    const waitMs = d.rollout_timeout_s * 1000 + 15_000;
    const wait = await runArgv(statusArgv, { timeoutMs: waitMs, onLine, env: { ...(d.env ?? {}) } });
    outputs.push(wait.stdout, wait.stderr);
    const waitProblem = kubectlProblem(wait, d, waitMs);
    const after = await this.status(d);
    const output = excerpt(outputs.filter(Boolean).join('\n'));
    if (waitProblem) {
      const s = after.ok ? after.state : undefined;
      const progress = s ? ` (${s.updated ?? 0} of ${s.replicas ?? '?'} replicas updated, ${s.ready ?? 0} ready)` : '';
      // `rollout status --timeout` ran out: the cluster is reachable, the new pods are just not ready.
      const problem = /timed out waiting/.test(wait.stderr + wait.stdout)
        ? `The change was applied, but the rollout of ${where(d)} did not finish within ${d.rollout_timeout_s} s${progress}; it may still be progressing or stuck.`
        : `The change was applied but the rollout did not finish: ${waitProblem}`;
      return {
        ok: false,
        argv,
        exitCode: wait.exitCode,
        durationMs: elapsed(),
        output,
        problem,
        state: s,
      };
    }
    return { ok: true, argv, exitCode: 0, durationMs: elapsed(), output, state: after.ok ? after.state : undefined };
  }
}

/**
 * Pods are extra detail: a service account allowed to read deployments but not pods still gets
 * /status, just without this part.
 */
function podsFrom(r: ArgvResult, container: string | undefined): DeployPod[] | undefined {
  if (r.exitCode !== 0) return undefined;
  const list = podListSchema.safeParse(parseJson(r.stdout));
  if (!list.success) return undefined;
  return list.data.items.map((p) => {
    const statuses = p.status?.containerStatuses ?? [];
    const c = (container ? statuses.find((x) => x.name === container) : undefined) ?? statuses[0];
    const reason = statuses.map((x) => x.state?.waiting?.reason ?? x.state?.terminated?.reason).find(Boolean);
    return {
      name: p.metadata.name,
      ready: statuses.length > 0 && statuses.every((x) => x.ready === true),
      restarts: c?.restartCount ?? 0,
      state: reason ?? p.status?.phase ?? 'Unknown',
    };
  });
}
