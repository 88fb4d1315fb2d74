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
  return [...base, 'get', kind, `--selector=${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')}`, '-o', 'json'];
}

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
  rolloutStatus: (base: string[], d: KubernetesDeploy) => [...base, 'rollout', 'status', ref(d), `--timeout=${d.rollout_timeout_s}s`],
};
