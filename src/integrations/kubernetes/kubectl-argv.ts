import type { DeployConfig } from '../../core/ports.js';

export type KubernetesDeploy = Extract<DeployConfig, { kind: 'kubernetes' }>;

/**
 * kubectl argv builders. Every value comes from the validated config (context, namespace and
 * deployment names) or from numbers the caller checked; nothing a user typed becomes a flag.
 */
export function kubectlBase(kubectl: string, d: KubernetesDeploy, requestTimeoutS: number): string[] {
  return [
    kubectl,
    ...(d.kubeconfig ? [`--kubeconfig=${d.kubeconfig}`] : []),
    ...(d.context ? [`--context=${d.context}`] : []),
    `--namespace=${d.namespace}`,
    `--request-timeout=${requestTimeoutS}s`,
  ];
}

const ref = (d: KubernetesDeploy) => `deployment/${d.deployment}`;

function listBySelector(base: string[], kind: 'replicasets' | 'pods', selector: Record<string, string>): string[] {
  return [...base, 'get', kind, `--selector=${selectorText(selector)}`, '-o', 'json'];
}

/** What `kubectl logs` reads per container: the newest lines, and never more than this many bytes. */
export interface LogsLimits {
  tailLines: number;
  limitBytes: number;
  sinceS: number | null;
  previous: boolean;
}

const selectorText = (selector: Record<string, string>) => Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');

export const kubectlArgv = {
  getDeployment: (base: string[], d: KubernetesDeploy) => [...base, 'get', ref(d), '-o', 'json'],
  /** The selector comes from the deployment's own spec.selector.matchLabels. */
  listReplicaSets: (base: string[], selector: Record<string, string>) => listBySelector(base, 'replicasets', selector),
  listPods: (base: string[], selector: Record<string, string>) => listBySelector(base, 'pods', selector),
  history: (base: string[], d: KubernetesDeploy) => [...base, 'rollout', 'history', ref(d)],
  undo: (base: string[], d: KubernetesDeploy, toRevision: number) => [...base, 'rollout', 'undo', ref(d), `--to-revision=${toRevision}`],
  scale: (base: string[], d: KubernetesDeploy, replicas: number, expectCurrent?: number | null) => [
    ...base,
    'scale',
    ref(d),
    ...(expectCurrent !== undefined && expectCurrent !== null ? [`--current-replicas=${expectCurrent}`] : []),
    `--replicas=${replicas}`,
  ],
  restart: (base: string[], d: KubernetesDeploy) => [...base, 'rollout', 'restart', ref(d)],
  /**
   * The pods' logs by the deployment's own selector. `--tail` is explicit: with a selector kubectl
   * would otherwise show 10 lines per pod. Each value is a number the caller bounded or config.
   */
  logs: (base: string[], d: KubernetesDeploy, selector: Record<string, string>, l: LogsLimits) => [
    ...base,
    'logs',
    `--selector=${selectorText(selector)}`,
    ...(d.container ? [`--container=${d.container}`] : []),
    `--tail=${l.tailLines}`,
    `--limit-bytes=${l.limitBytes}`,
    '--max-log-requests=20',
    ...(l.sinceS !== null ? [`--since=${l.sinceS}s`] : []),
    ...(l.previous ? ['--previous'] : []),
  ],
  rolloutStatus: (base: string[], d: KubernetesDeploy) => [...base, 'rollout', 'status', ref(d), `--timeout=${d.rollout_timeout_s}s`],
};
