import { describe, expect, it } from 'vitest';
import { ServiceDeployer } from '../../src/integrations/deploy/deployer.js';
import { kubectlProblem } from '../../src/integrations/kubernetes/kubernetes-deployer.js';
import type { ArgvResult } from '../../src/integrations/commands/run-argv.js';
import type { DeployConfig } from '../../src/core/ports.js';

const kube: DeployConfig = { kind: 'kubernetes', context: 'prod-eu', namespace: 'conduit', deployment: 'conduit-api', container: 'api', rollout_timeout_s: 300 };
const t = { service: 'api', deploy: kube };
const base = ['kubectl', '--context=prod-eu', '--namespace=conduit', '--request-timeout=30s'];

describe('kubectl argv for each operation', () => {
  const port = new ServiceDeployer();
  it('rollback always names the target revision', () => {
    expect(port.describe(t, { kind: 'rollback', toRevision: 13 })).toEqual([...base, 'rollout', 'undo', 'deployment/conduit-api', '--to-revision=13']);
    expect(port.describe(t, { kind: 'rollback', toRevision: null })).toBeNull();
  });
  it('scale carries the replica count seen on the card as a precondition', () => {
    expect(port.describe(t, { kind: 'scale', replicas: 5, expectCurrent: 3 })).toEqual([...base, 'scale', 'deployment/conduit-api', '--current-replicas=3', '--replicas=5']);
  });
  it('restart; the kubeconfig flag only when configured', () => {
    expect(port.describe({ service: 'api', deploy: { ...kube, context: undefined, kubeconfig: '/etc/kc' } }, { kind: 'restart' })).toEqual([
      'kubectl', '--kubeconfig=/etc/kc', '--namespace=conduit', '--request-timeout=30s', 'rollout', 'restart', 'deployment/conduit-api',
    ]);
  });
  it('commands kind: placeholders stay one argument each; a missing {revision} means no command', () => {
    const cmd: DeployConfig = { kind: 'commands', rollback: ['helm', 'rollback', '{service}', '{revision}'], scale: ['tool', '--n={replicas}'], timeout_s: 60 };
    expect(port.describe({ service: 'chart', deploy: cmd }, { kind: 'rollback', toRevision: 4 })).toEqual(['helm', 'rollback', 'chart', '4']);
    expect(port.describe({ service: 'chart', deploy: cmd }, { kind: 'rollback', toRevision: null })).toBeNull();
    expect(port.describe({ service: 'chart', deploy: cmd }, { kind: 'scale', replicas: 3 })).toEqual(['tool', '--n=3']);
    expect(port.describe({ service: 'chart', deploy: cmd }, { kind: 'restart' })).toBeNull();
  });
});

describe('kubectl failures as one sentence', () => {
  const r = (stderr: string, extra: Partial<ArgvResult> = {}): ArgvResult => ({ argv: ['kubectl'], exitCode: 1, stdout: '', stderr, durationMs: 5, timedOut: false, notFound: false, ...extra });
  const d = kube as Extract<DeployConfig, { kind: 'kubernetes' }>;
  it.each([
    ['Error from server (Forbidden): deployments.apps "conduit-api" is forbidden: User "bot" cannot get resource', /^kubectl has no access to deployment conduit-api in namespace conduit \(context prod-eu\): Error from server \(Forbidden\)/],
    ['The connection to the server 10.0.0.1:6443 was refused - did you specify the right host or port?', /^Firebreak cannot reach the Kubernetes cluster for deployment conduit-api/],
    ['E1125 07:44:02.100954 memcache.go:265] couldn\'t get current server API group list: dial tcp: connection refused\nUnable to connect to the server: dial tcp 127.0.0.1:1: connect: connection refused', /^Firebreak cannot reach the Kubernetes cluster .*: Unable to connect to the server/],
    ['error: context "prod-eu" does not exist', /^The kubeconfig has no context "prod-eu"/],
    ['Error from server (NotFound): deployments.apps "conduit-api" not found', /^The deployment conduit-api in namespace conduit \(context prod-eu\) was not found/],
    ['error: Expected replicas to be 3, was 4', /^kubectl exited with code 1: error: Expected replicas to be 3, was 4$/],
    ['error: unknown flag: --current-replica\nSee \'kubectl scale --help\' for usage.', /^kubectl exited with code 1: error: unknown flag: --current-replica$/],
  ])('%s', (stderr, expected) => {
    expect(kubectlProblem(r(stderr), d, 35_000)).toMatch(expected);
  });
  it('missing and timed out', () => {
    expect(kubectlProblem(r('', { notFound: true, exitCode: null }), d, 35_000)).toBe('kubectl is not installed on the Firebreak host (or not on its PATH).');
    expect(kubectlProblem(r('', { timedOut: true, exitCode: null }), d, 35_000)).toBe('kubectl did not finish within 35 s and was stopped.');
    expect(kubectlProblem(r('', { exitCode: 0 }), d, 35_000)).toBeNull();
  });
});
