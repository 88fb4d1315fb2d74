import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';

type Obj = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
// Test-side reading of rendered manifests: shapes as Kubernetes defines them.
type Container = {
  image: string;
  args?: string[];
  readinessProbe: { httpGet: { path: string; port: string } };
  livenessProbe: { httpGet: { path: string; port: string } };
  lifecycle: { preStop: { exec: { command: string[] } } };
  resources: { requests: { cpu: string; memory: string }; limits: { memory: string } };
  securityContext: { allowPrivilegeEscalation: boolean; readOnlyRootFilesystem: boolean; capabilities: { drop: string[] } };
  env: { name: string; value: string }[];
  envFrom: { secretRef: { name: string } }[];
  volumeMounts: { name: string; mountPath: string }[];
};
type PodSpec = {
  serviceAccountName: string;
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean; runAsUser: number };
  containers: Container[];
  volumes: { name: string; configMap?: { name: string } }[];
};

const DIR = resolve('deploy/kubernetes');
let objects: Obj[];
let rendered: string;
const one = (kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

beforeAll(async () => {
  const r = await execa('kubectl', ['kustomize', DIR], { reject: false });
  expect(r.exitCode, String(r.stderr)).toBe(0);
  rendered = String(r.stdout);
  objects = parseAllDocuments(rendered).map((d) => d.toJS() as Obj);
}, 60_000);

describe('deploy/kubernetes, rendered with kubectl kustomize', () => {
  it('holds the objects of a Firebreak install, and nothing else', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Ingress', 'Namespace', 'PodDisruptionBudget', 'Role', 'RoleBinding', 'Secret', 'Service', 'ServiceAccount']);
  });

  it('runs 3 non-root replicas with probes on /readyz and /healthz and the Secret as the environment', () => {
    const d = one('Deployment') as Obj & { spec: { replicas: number; template: { spec: PodSpec } } };
    expect(d.spec.replicas).toBe(3);
    const pod = d.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const c = pod.containers[0]!;
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.envFrom).toEqual([{ secretRef: { name: one('Secret').metadata.name } }]);
    expect(c.resources.requests.memory).toMatch(/^\d+Mi$/);
    expect(c.resources.limits.memory).toMatch(/^\d+Mi$/);
    expect(c.image).toBe('registry.example.com/platform/firebreak:0.1.0');
    expect(pod.serviceAccountName).toBe(one('ServiceAccount').metadata.name);
  });

  it('mounts the generated ConfigMap as firebreak.yml where FIREBREAK_CONFIG points', () => {
    const d = one('Deployment') as Obj & { spec: { template: { spec: PodSpec } } };
    const pod = d.spec.template.spec;
    const c = pod.containers[0]!;
    const configPath = c.env.find((e) => e.name === 'FIREBREAK_CONFIG')!.value;
    const mount = c.volumeMounts.find((m) => configPath.startsWith(`${m.mountPath}/`))!;
    const cm = one('ConfigMap') as Obj & { data: Record<string, string> };
    expect(pod.volumes.find((v) => v.name === mount.name)?.configMap?.name).toBe(cm.metadata.name);
    expect(cm.metadata.name).toMatch(/^firebreak-config-[a-z0-9]+$/); // the content hash rolls the pods on a change
    expect(Object.keys(cm.data)).toEqual([configPath.slice(mount.mountPath.length + 1)]);
  });

  it('gives the drain time: terminationGracePeriodSeconds ≥ preStop + shutdown.grace_s + 10', () => {
    const d = one('Deployment') as Obj & { spec: { template: { spec: PodSpec } } };
    const pod = d.spec.template.spec;
    const preStop = pod.containers[0]!.lifecycle.preStop.exec.command;
    expect(preStop[0]).toBe('sleep');
    const cm = one('ConfigMap') as Obj & { data: Record<string, string> };
    const grace = Number(/grace_s:\s*(\d+)/.exec(Object.values(cm.data)[0]!)?.[1]);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(preStop[1]) + grace + 10);
  });

  it("the Role allows exactly the kubectl actions' verbs, bound to Firebreak's ServiceAccount", () => {
    const role = one('Role') as Obj & { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
    const granted = role.rules.flatMap((r) => r.resources.flatMap((res) => r.verbs.map((v) => `${r.apiGroups[0] || 'core'}/${res}:${v}`))).sort();
    expect(granted).toEqual(
      [
        'apps/deployments:get', 'apps/deployments:list', 'apps/deployments:watch', 'apps/deployments:patch',
        'apps/deployments/scale:get', 'apps/deployments/scale:patch', 'apps/deployments/scale:update',
        'apps/replicasets:get', 'apps/replicasets:list',
        'core/pods:get', 'core/pods:list', 'core/pods/log:get',
      ].sort(),
    );
    expect(rendered).not.toMatch(/verbs:[^\n]*(\*|delete|create|escalate|bind|impersonate)/);
    const binding = one('RoleBinding') as Obj & { roleRef: { name: string }; subjects: { kind: string; name: string; namespace: string }[] };
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'firebreak', namespace: one('ServiceAccount').metadata.namespace }]);
  });

  it('a PodDisruptionBudget keeps all but one replica, and the Ingress exposes only the outside routes', () => {
    expect(one('PodDisruptionBudget')).toMatchObject({ spec: { maxUnavailable: 1 } });
    const ing = one('Ingress') as Obj & { spec: { rules: { http: { paths: { path: string }[] } }[] } };
    expect(ing.spec.rules[0]!.http.paths.map((p) => p.path).sort()).toEqual(['/alerts', '/assets', '/discord/interactions', '/incidents', '/slack/events', '/status', '/status.json', '/webhooks']);
  });

  it('its firebreak.yml passes `firebreak config check` with the Secret’s variables set', async () => {
    const cm = one('ConfigMap') as Obj & { data: Record<string, string> };
    const secret = one('Secret') as Obj & { stringData: Record<string, string> };
    const dir = mkdtempSync(join(tmpdir(), 'firebreak-k8s-config-'));
    try {
      writeFileSync(join(dir, 'firebreak.yml'), Object.values(cm.data)[0]!);
      const r = await execa('node', [resolve('bin/firebreak.js'), 'config', 'check', join(dir, 'firebreak.yml')], {
        reject: false,
        extendEnv: false,
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...secret.stringData, FIREBREAK_LINK_SECRET: 'x'.repeat(32) },
        timeout: 60_000,
      });
      expect(r.exitCode, `${String(r.stdout)}${String(r.stderr)}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('deploy/kubernetes, applied with kubectl to the kube-apiserver fake', () => {
  let dir: string;
  let kube: FakeKube;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-k8s-apply-'));
    kube = await startFakeKube({ dir, deployments: [] });
  });
  afterAll(async () => {
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates every object, as rendered', async () => {
    // Validation needs the server's OpenAPI documents, which the fake does not serve; the objects'
    // shape is checked above instead.
    const r = await execa('kubectl', ['--kubeconfig', kube.kubeconfig, 'apply', '--validate=false', '-f', '-'], { input: rendered, reject: false, timeout: 60_000 });
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(String(r.stdout).trim().split('\n').sort()).toEqual(
      objects.map((o) => `${o.kind.toLowerCase()}${o.apiVersion.includes('/') ? `.${o.apiVersion.split('/')[0]}` : ''}/${o.metadata.name} created`).sort(),
    );
    const created = kube.created() as Obj[];
    expect(created.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort());
    expect(kube.deployment('firebreak', 'firebreak').replicas).toBe(3);
  }, 90_000);
});
