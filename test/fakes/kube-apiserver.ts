/**
 * A small fake Kubernetes API server that the real `kubectl` talks to through a generated
 * kubeconfig. It serves just enough of the API for Firebreak's deploy operations: discovery,
 * deployments (GET, LIST, WATCH, PATCH), the scale subresource, and replicasets with revision
 * annotations, pods and their logs (`pods/NAME/log` with tailLines, sinceSeconds, limitBytes and
 * previous, as the kubelet answers through the API server), CronJobs (seeded) and the Jobs
 * `kubectl create job --from=cronjob/…` makes of them, and a namespace's (empty) events. A template change or a scale settles after `settleMs`, like a controller would,
 * so `kubectl rollout status` waits and then succeeds. Every request is recorded.
 *
 * `kubectl apply` of Firebreak's own manifests (deploy/kubernetes) works too: the kinds they hold
 * (Namespace, ServiceAccount, Secret, ConfigMap, Service, Role, RoleBinding, PodDisruptionBudget,
 * Ingress) are kept as sent, by GET and create (POST), and a created Deployment joins the others.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

export interface KubeRequest {
  method: string;
  /** Path and query as sent. */
  url: string;
  contentType: string;
  body: string;
}

interface Deployment {
  namespace: string;
  name: string;
  uid: string;
  generation: number;
  observedGeneration: number;
  replicas: number;
  /** Ready replicas of the current template (what status reports once settled). */
  readyReplicas: number;
  template: Obj;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  createdAt: string;
  settleTimer?: NodeJS.Timeout;
}

interface ReplicaSet {
  namespace: string;
  name: string;
  uid: string;
  owner: string;
  revision: number;
  template: Obj;
  changeCause?: string;
  createdAt: string;
}

export interface SeedDeployment {
  namespace: string;
  name: string;
  replicas: number;
  container: string;
  /** Oldest first; the last one is the current revision. Revision numbers start at `firstRevision`. */
  images: string[];
  firstRevision?: number;
}

export interface FakeKube {
  url: string;
  /** A kubeconfig file with context "fake" pointing at this server. */
  kubeconfig: string;
  requests: KubeRequest[];
  /** Requests that change something (PATCH/PUT/POST/DELETE). */
  writes(): KubeRequest[];
  deployment(namespace: string, name: string): { replicas: number; image: string; revision: number; generation: number; ready: number; restartedAt?: string };
  /** Revisions still recorded in replicasets, oldest first. */
  revisions(namespace: string, name: string): { revision: number; image: string }[];
  /** Makes one of a deployment's pods crash-loop: not ready, `restarts` restarts, waiting in CrashLoopBackOff. */
  crashLoop(namespace: string, name: string, podIndex: number, restarts: number): void;
  /**
   * Log lines of one pod of a deployment (index as in /status's pod list), oldest first, each
   * `ageS` seconds old; `previous` sets the crashed container's instead. Replaces what was set.
   */
  podLogs(namespace: string, name: string, podIndex: number, lines: { text: string; ageS: number }[], opts?: { previous?: boolean }): void;
  /** Jobs created (`kubectl create job NAME --from=cronjob/X`), in order. */
  jobs(): { namespace: string; name: string; fromCronJob?: string }[];
  /** Objects created through the API (kubectl apply), as stored, with `kind` and metadata. */
  created(): Obj[];
  /** Makes every request answer 403 (no cluster access) or hang. */
  mode: 'ok' | 'forbidden' | 'hang';
  settleMs: number;
  close(): Promise<void>;
}

const TOKEN = 'fake-kube-token-7f3a9c';

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Equal pod templates, ignoring the pod-template-hash label replicasets carry. */
function sameTemplate(a: Obj, b: Obj): boolean {
  const strip = (t: Obj) => {
    const c = clone(t);
    const meta = (c.metadata ?? {}) as Obj;
    const labels = (meta.labels ?? {}) as Obj;
    delete labels['pod-template-hash'];
    return JSON.stringify(sortKeys(c));
  };
  return strip(a) === strip(b);
}

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Obj = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k] as Json);
    return out;
  }
  return v;
}

/** JSON merge patch (RFC 7386); also good enough for the strategic-merge patches kubectl sends here. */
function mergePatch(target: Json, patch: Json): Json {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return clone(patch);
  const out: Obj = target !== null && typeof target === 'object' && !Array.isArray(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic-merge directives
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k] ?? null, v);
  }
  return out;
}

/** JSON patch (RFC 6902) with add/replace/remove, as `kubectl rollout undo` sends. */
function jsonPatch(doc: Obj, ops: Obj[]): Obj {
  const out = clone(doc);
  for (const op of ops) {
    const path = String(op.path).split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    let cur: Obj = out;
    for (const p of path.slice(0, -1)) {
      if (typeof cur[p] !== 'object' || cur[p] === null) cur[p] = {};
      cur = cur[p] as Obj;
    }
    const last = path[path.length - 1]!;
    if (op.op === 'remove') delete cur[last];
    else if (op.op === 'add' || op.op === 'replace') cur[last] = clone(op.value ?? null);
    else throw new Error(`unsupported json patch op ${String(op.op)}`);
  }
  return out;
}

function imageOf(template: Obj): string {
  const spec = template.spec as Obj;
  const containers = spec.containers as Obj[];
  return String(containers[0]?.image ?? '');
}

/** The length-delimited fields of one protobuf message, by field number (varints and fixed fields skipped). */
function protoFields(buf: Buffer): Map<number, Buffer[]> {
  const out = new Map<number, Buffer[]>();
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    for (;;) {
      const b = buf[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
      shift += 7;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    if (wire === 0) varint();
    else if (wire === 1) i += 8;
    else if (wire === 5) i += 4;
    else if (wire === 2) {
      const len = varint();
      out.set(tag >> 3, [...(out.get(tag >> 3) ?? []), buf.subarray(i, i + len)]);
      i += len;
    } else break;
  }
  return out;
}

/** A Job sent as protobuf (runtime.Unknown{raw: Job{metadata: ObjectMeta{name, ownerReferences}}}), as JSON. */
function jobFromProtobuf(body: Buffer): Obj {
  const unknown = protoFields(body.subarray(4));
  const job = protoFields(unknown.get(2)?.[0] ?? Buffer.alloc(0));
  const meta = protoFields(job.get(1)?.[0] ?? Buffer.alloc(0));
  const ownerReferences = (meta.get(13) ?? []).map((o) => {
    const f = protoFields(o);
    return { kind: f.get(1)?.[0]?.toString('utf8') ?? '', name: f.get(3)?.[0]?.toString('utf8') ?? '' };
  });
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: meta.get(1)?.[0]?.toString('utf8') ?? '', ownerReferences } };
}

/** The kinds kept as sent (only for `kubectl apply` of the project's manifests): group '' is the core API. */
const GENERIC: { group: string; resource: string; kind: string; namespaced: boolean }[] = [
  { group: '', resource: 'serviceaccounts', kind: 'ServiceAccount', namespaced: true },
  { group: '', resource: 'secrets', kind: 'Secret', namespaced: true },
  { group: '', resource: 'configmaps', kind: 'ConfigMap', namespaced: true },
  { group: '', resource: 'services', kind: 'Service', namespaced: true },
  { group: 'policy', resource: 'poddisruptionbudgets', kind: 'PodDisruptionBudget', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'roles', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', resource: 'rolebindings', kind: 'RoleBinding', namespaced: true },
  { group: 'networking.k8s.io', resource: 'ingresses', kind: 'Ingress', namespaced: true },
];

const resourceEntry = (g: (typeof GENERIC)[number]): Json => ({
  name: g.resource,
  singularName: g.kind.toLowerCase(),
  namespaced: g.namespaced,
  kind: g.kind,
  verbs: ['get', 'list', 'create', 'patch', 'update'],
});

export async function startFakeKube(opts: { dir: string; deployments: SeedDeployment[]; cronJobs?: { namespace: string; name: string }[]; settleMs?: number }): Promise<FakeKube> {
  const requests: KubeRequest[] = [];
  const rawBodies = new WeakMap<IncomingMessage, Buffer>();
  const jobs: { namespace: string; name: string; fromCronJob?: string }[] = [];
  const deployments = new Map<string, Deployment>();
  const replicasets: ReplicaSet[] = [];
  let resourceVersion = 100;
  const watchers = new Set<{ ns: string; name: string; res: ServerResponse }>();
  const state = { mode: 'ok' as FakeKube['mode'], settleMs: opts.settleMs ?? 300 };
  const hanging = new Set<ServerResponse>();
  const objects = new Map<string, Obj>();
  const created: Obj[] = [];
  const key = (ns: string, name: string) => `${ns}/${name}`;
  const nextRv = () => String(++resourceVersion);
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const templateFor = (name: string, container: string, image: string): Obj => ({
    metadata: { labels: { app: name }, creationTimestamp: null },
    spec: { containers: [{ name: container, image, resources: {} }] },
  });

  for (const seed of opts.deployments) {
    const uid = randomUUID();
    const first = seed.firstRevision ?? 1;
    seed.images.forEach((image, i) => {
      replicasets.push({
        namespace: seed.namespace,
        name: `${seed.name}-${(0x5f00 + first + i).toString(16)}`,
        uid: randomUUID(),
        owner: uid,
        revision: first + i,
        template: templateFor(seed.name, seed.container, image),
        changeCause: `deploy ${image.split(':').pop() ?? image}`,
        createdAt: new Date(Date.now() - (seed.images.length - i) * 3600_000).toISOString().replace(/\.\d+Z$/, 'Z'),
      });
    });
    const last = seed.images[seed.images.length - 1]!;
    deployments.set(key(seed.namespace, seed.name), {
      namespace: seed.namespace,
      name: seed.name,
      uid,
      generation: 1,
      observedGeneration: 1,
      replicas: seed.replicas,
      readyReplicas: seed.replicas,
      template: templateFor(seed.name, seed.container, last),
      annotations: { 'deployment.kubernetes.io/revision': String(first + seed.images.length - 1) },
      labels: { app: seed.name },
      createdAt: now(),
    });
  }

  const revisionOf = (d: Deployment) => Number(d.annotations['deployment.kubernetes.io/revision'] ?? '0');
  const settled = (d: Deployment) => d.observedGeneration >= d.generation && d.readyReplicas === d.replicas;

  const deploymentJson = (d: Deployment): Obj => {
    const done = settled(d);
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: d.name,
        namespace: d.namespace,
        uid: d.uid,
        generation: d.generation,
        resourceVersion: String(resourceVersion),
        creationTimestamp: d.createdAt,
        labels: { ...d.labels },
        annotations: { ...d.annotations },
      },
      spec: {
        replicas: d.replicas,
        selector: { matchLabels: { app: d.name } },
        template: clone(d.template),
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: d.observedGeneration,
        replicas: d.replicas,
        updatedReplicas: done ? d.replicas : Math.min(d.readyReplicas, d.replicas),
        readyReplicas: d.readyReplicas,
        availableReplicas: d.readyReplicas,
        ...(done ? {} : { unavailableReplicas: Math.max(0, d.replicas - d.readyReplicas) }),
        conditions: [
          { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' },
          { type: 'Progressing', status: 'True', reason: done ? 'NewReplicaSetAvailable' : 'ReplicaSetUpdated', message: 'progressing' },
        ],
      },
    };
  };

  const crashing = new Map<string, Map<number, number>>();
  /** "ns/pod-name" → lines (current container) and previous (the crashed one's), with the time each was written. */
  const logs = new Map<string, { current: { text: string; at: number }[]; previous?: { text: string; at: number }[] }>();
  /** The deployment's pods as the kubelet would report them: one per replica of the current template. */
  const podsJson = (d: Deployment): Obj[] => {
    const container = String(((d.template.spec as Obj).containers as Obj[])[0]?.name ?? 'app');
    return Array.from({ length: d.replicas }, (_, i) => {
      const restarts = crashing.get(key(d.namespace, d.name))?.get(i);
      const ready = restarts === undefined && i < d.readyReplicas;
      const pod: Obj = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `${d.name}-${revisionOf(d).toString(16)}f7c-${String(i).padStart(5, 'x')}`, namespace: d.namespace, labels: { app: d.name }, creationTimestamp: d.createdAt },
        spec: clone(d.template.spec as Obj),
        status: {
          phase: 'Running',
          containerStatuses: [
            {
              name: container,
              image: imageOf(d.template),
              ready,
              restartCount: restarts ?? 0,
              state: restarts === undefined ? { running: { startedAt: d.createdAt } } : { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } },
            },
          ],
        },
      };
      return pod;
    });
  };

  const rsJson = (rs: ReplicaSet): Obj => {
    const d = [...deployments.values()].find((x) => x.uid === rs.owner)!;
    const current = revisionOf(d) === rs.revision;
    const template = clone(rs.template);
    ((template.metadata as Obj).labels as Obj)['pod-template-hash'] = rs.name.split('-').pop()!;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rs.name,
        namespace: rs.namespace,
        uid: rs.uid,
        resourceVersion: String(resourceVersion),
        creationTimestamp: rs.createdAt,
        labels: { app: d.name, 'pod-template-hash': rs.name.split('-').pop()! },
        annotations: {
          'deployment.kubernetes.io/revision': String(rs.revision),
          ...(rs.changeCause ? { 'kubernetes.io/change-cause': rs.changeCause } : {}),
        },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.name, uid: d.uid, controller: true, blockOwnerDeletion: true }],
      },
      spec: { replicas: current ? d.replicas : 0, selector: { matchLabels: { app: d.name, 'pod-template-hash': rs.name.split('-').pop()! } }, template },
      status: { replicas: current ? d.readyReplicas : 0, readyReplicas: current ? d.readyReplicas : 0, availableReplicas: current ? d.readyReplicas : 0, observedGeneration: 1 },
    };
  };

  const notify = (d: Deployment) => {
    for (const w of watchers) {
      if (w.ns === d.namespace && w.name === d.name) w.res.write(`${JSON.stringify({ type: 'MODIFIED', object: deploymentJson(d) })}\n`);
    }
  };

  /** What the deployment controller would do after a spec change, after a short delay. */
  const reconcile = (d: Deployment, templateChanged: boolean) => {
    d.generation += 1;
    if (templateChanged) {
      const max = Math.max(0, ...replicasets.filter((r) => r.owner === d.uid).map((r) => r.revision));
      const existing = replicasets.find((r) => r.owner === d.uid && sameTemplate(r.template, d.template));
      const cause = d.annotations['kubernetes.io/change-cause'];
      if (existing) {
        existing.revision = max + 1;
        if (cause) existing.changeCause = cause;
      } else {
        replicasets.push({ namespace: d.namespace, name: `${d.name}-${(0x6000 + max + 1).toString(16)}`, uid: randomUUID(), owner: d.uid, revision: max + 1, template: clone(d.template), changeCause: cause, createdAt: now() });
      }
      d.annotations['deployment.kubernetes.io/revision'] = String(max + 1);
      d.readyReplicas = 0;
    } else {
      d.readyReplicas = Math.min(d.readyReplicas, d.replicas);
    }
    nextRv();
    notify(d);
    if (d.settleTimer) clearTimeout(d.settleTimer);
    d.settleTimer = setTimeout(() => {
      d.observedGeneration = d.generation;
      d.readyReplicas = d.replicas;
      nextRv();
      notify(d);
    }, state.settleMs);
  };

  const applyDeploymentObject = (d: Deployment, next: Obj) => {
    const meta = (next.metadata ?? {}) as Obj;
    const spec = (next.spec ?? {}) as Obj;
    const beforeTemplate = d.template;
    const beforeReplicas = d.replicas;
    d.annotations = Object.fromEntries(Object.entries((meta.annotations ?? {}) as Obj).map(([k, v]) => [k, String(v)]));
    // The revision annotation belongs to the controller; a patch that drops it gets it back.
    if (!d.annotations['deployment.kubernetes.io/revision']) d.annotations['deployment.kubernetes.io/revision'] = String(Math.max(0, ...replicasets.filter((r) => r.owner === d.uid).map((r) => r.revision)));
    if (typeof spec.replicas === 'number') d.replicas = spec.replicas;
    if (spec.template && typeof spec.template === 'object') d.template = clone(spec.template as Obj);
    const templateChanged = !sameTemplate(beforeTemplate, d.template);
    if (templateChanged || beforeReplicas !== d.replicas) reconcile(d, templateChanged);
  };

  const send = (res: ServerResponse, status: number, body: Json) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const status = (res: ServerResponse, code: number, reason: string, message: string) =>
    send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });

  const discovery: Record<string, Json> = {
    '/version': { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' },
    '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
    '/apis': {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: ['apps', 'batch', 'policy', 'rbac.authorization.k8s.io', 'networking.k8s.io'].map((name) => ({
        name,
        versions: [{ groupVersion: `${name}/v1`, version: 'v1' }],
        preferredVersion: { groupVersion: `${name}/v1`, version: 'v1' },
      })),
    },
    '/api/v1': {
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'watch'], shortNames: ['po'] },
        { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list', 'create', 'patch'], shortNames: ['ns'] },
        { name: 'events', singularName: 'event', namespaced: true, kind: 'Event', verbs: ['get', 'list'], shortNames: ['ev'] },
        ...GENERIC.filter((g) => g.group === '').map(resourceEntry),
      ],
    },
    '/apis/batch/v1': {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'batch/v1',
      resources: [
        { name: 'cronjobs', singularName: 'cronjob', namespaced: true, kind: 'CronJob', verbs: ['get', 'list'], shortNames: ['cj'], categories: ['all'] },
        { name: 'jobs', singularName: 'job', namespaced: true, kind: 'Job', verbs: ['get', 'list', 'create'], categories: ['all'] },
      ],
    },
    ...Object.fromEntries(
      ['policy', 'rbac.authorization.k8s.io', 'networking.k8s.io'].map((group) => [
        `/apis/${group}/v1`,
        { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/v1`, resources: GENERIC.filter((g) => g.group === group).map(resourceEntry) },
      ]),
    ),
    '/apis/apps/v1': {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: 'apps/v1',
      resources: [
        { name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['get', 'list', 'watch', 'create', 'patch', 'update'], shortNames: ['deploy'], categories: ['all'] },
        { name: 'deployments/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] },
        { name: 'deployments/status', singularName: '', namespaced: true, kind: 'Deployment', verbs: ['get'] },
        { name: 'replicasets', singularName: 'replicaset', namespaced: true, kind: 'ReplicaSet', verbs: ['get', 'list', 'watch'], shortNames: ['rs'], categories: ['all'] },
      ],
    },
  };

  const scaleJson = (d: Deployment): Obj => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: d.name, namespace: d.namespace, uid: d.uid, resourceVersion: String(resourceVersion) },
    spec: { replicas: d.replicas },
    status: { replicas: d.readyReplicas, selector: `app=${d.name}` },
  });

  const matchesSelector = (labels: Record<string, string>, selector: string | null) =>
    !selector || selector.split(',').every((pair) => { const [k, v] = pair.split('='); return k !== undefined && labels[k] === v; });

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/$/, '');
    const method = req.method ?? 'GET';
    const ctype = String(req.headers['content-type'] ?? '');
    if (discovery[path] !== undefined && method === 'GET') return send(res, 200, discovery[path]!);
    if (path.startsWith('/openapi')) return status(res, 404, 'NotFound', 'the server could not find the requested resource');

    let m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/deployments(?:\/([^/]+))?(?:\/(scale|status))?$/.exec(path);
    if (m) {
      const [, ns, name, sub] = m as unknown as [string, string, string | undefined, string | undefined];
      if (!name && method === 'POST') {
        const obj = JSON.parse(body || '{}') as Obj;
        const meta = (obj.metadata ?? {}) as Obj;
        const dname = String(meta.name ?? '');
        if (deployments.has(key(ns, dname))) return status(res, 409, 'AlreadyExists', `deployments.apps "${dname}" already exists`);
        const spec = (obj.spec ?? {}) as Obj;
        const template = clone((spec.template ?? {}) as Obj);
        const d: Deployment = {
          namespace: ns,
          name: dname,
          uid: randomUUID(),
          generation: 1,
          observedGeneration: 1,
          replicas: typeof spec.replicas === 'number' ? spec.replicas : 1,
          readyReplicas: 0,
          template,
          annotations: { ...((meta.annotations ?? {}) as Record<string, string>), 'deployment.kubernetes.io/revision': '1' },
          labels: { ...((meta.labels ?? {}) as Record<string, string>) },
          createdAt: now(),
        };
        deployments.set(key(ns, dname), d);
        replicasets.push({ namespace: ns, name: `${dname}-${(0x7000).toString(16)}`, uid: randomUUID(), owner: d.uid, revision: 1, template: clone(template), createdAt: now() });
        reconcile(d, false);
        created.push({ ...clone(obj), kind: 'Deployment' });
        return send(res, 201, deploymentJson(d));
      }
      if (!name) {
        if (method !== 'GET') return status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
        const field = url.searchParams.get('fieldSelector');
        const only = field?.startsWith('metadata.name=') ? field.slice('metadata.name='.length) : undefined;
        const items = [...deployments.values()].filter((d) => d.namespace === ns && (only === undefined || d.name === only));
        if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') {
          res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
          const d = items[0];
          if (!d) return res.end();
          const w = { ns, name: d.name, res };
          watchers.add(w);
          // Stream the current object; settled updates follow through notify(). Close after a while
          // like a real server's watch timeout; kubectl re-lists and watches again.
          res.write(`${JSON.stringify({ type: 'MODIFIED', object: deploymentJson(d) })}\n`);
          const t = setTimeout(() => res.end(), 5000);
          res.on('close', () => { clearTimeout(t); watchers.delete(w); });
          return;
        }
        return send(res, 200, { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(resourceVersion) }, items: items.map(deploymentJson) });
      }
      const d = deployments.get(key(ns, name));
      if (!d) return status(res, 404, 'NotFound', `deployments.apps "${name}" not found`);
      if (sub === 'scale') {
        if (method === 'GET') return send(res, 200, scaleJson(d));
        const parsed = JSON.parse(body || '{}') as Obj;
        const next = method === 'PUT' ? parsed : ctype.includes('json-patch') ? jsonPatch(scaleJson(d), parsed as unknown as Obj[]) : (mergePatch(scaleJson(d), parsed) as Obj);
        // Scale's spec.replicas is omitempty: kubectl's PUT of a scale to 0 carries no field, which the API reads as 0.
        const replicas = (next.spec as Obj | undefined)?.replicas ?? (method === 'PUT' ? 0 : undefined);
        if (typeof replicas !== 'number' || replicas < 0) return status(res, 422, 'Invalid', 'spec.replicas must be a non-negative integer');
        if (replicas !== d.replicas) { d.replicas = replicas; reconcile(d, false); }
        return send(res, 200, scaleJson(d));
      }
      if (sub === 'status') return send(res, 200, deploymentJson(d));
      if (method === 'GET') return send(res, 200, deploymentJson(d));
      if (method === 'PATCH' || method === 'PUT') {
        const parsed = JSON.parse(body || '{}') as Json;
        const current = deploymentJson(d);
        const next = method === 'PUT' ? (parsed as Obj) : ctype.includes('json-patch') ? jsonPatch(current, parsed as Obj[]) : (mergePatch(current, parsed) as Obj);
        if (url.searchParams.get('dryRun') === 'All') return send(res, 200, next);
        applyDeploymentObject(d, next);
        return send(res, 200, deploymentJson(d));
      }
      return status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
    }

    m = /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/replicasets(?:\/([^/]+))?$/.exec(path);
    if (m && method === 'GET') {
      const [, ns, name] = m as unknown as [string, string, string | undefined];
      const inNs = replicasets.filter((r) => r.namespace === ns);
      if (name) {
        const rs = inNs.find((r) => r.name === name);
        return rs ? send(res, 200, rsJson(rs)) : status(res, 404, 'NotFound', `replicasets.apps "${name}" not found`);
      }
      const selector = url.searchParams.get('labelSelector');
      const items = inNs.map(rsJson).filter((o) => matchesSelector(((o.metadata as Obj).labels ?? {}) as Record<string, string>, selector));
      return send(res, 200, { kind: 'ReplicaSetList', apiVersion: 'apps/v1', metadata: { resourceVersion: String(resourceVersion) }, items });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(\/log)?$/.exec(path);
    if (m && method === 'GET') {
      const [, ns, podName, log] = m as unknown as [string, string, string, string | undefined];
      const pod = [...deployments.values()].filter((d) => d.namespace === ns).flatMap(podsJson).find((p) => (p.metadata as Obj).name === podName);
      if (!pod) return status(res, 404, 'NotFound', `pods "${podName}" not found`);
      if (!log) return send(res, 200, pod);
      const container = url.searchParams.get('container') ?? String(((pod.spec as Obj).containers as Obj[])[0]?.name);
      const stored = logs.get(`${ns}/${podName}`);
      const previous = url.searchParams.get('previous') === 'true';
      if (previous && !stored?.previous) return status(res, 400, 'BadRequest', `previous terminated container "${container}" in pod "${podName}" not found`);
      let lines = (previous ? stored?.previous : stored?.current) ?? [];
      const since = url.searchParams.get('sinceSeconds');
      if (since !== null) lines = lines.filter((l) => l.at >= Date.now() - Number(since) * 1000);
      const tail = url.searchParams.get('tailLines');
      if (tail !== null) lines = lines.slice(Math.max(0, lines.length - Number(tail)));
      let text = lines.map((l) => `${l.text}\n`).join('');
      const limit = url.searchParams.get('limitBytes');
      if (limit !== null) text = Buffer.from(text).subarray(0, Number(limit)).toString('utf8');
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(text);
    }
    m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/cronjobs\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const [, ns, name] = m as unknown as [string, string, string];
      if (!(opts.cronJobs ?? []).some((c) => c.namespace === ns && c.name === name)) return status(res, 404, 'NotFound', `cronjobs.batch "${name}" not found`);
      const jobTemplate: Obj = { metadata: { labels: { app: name } }, spec: { template: { metadata: { labels: { app: name } }, spec: { restartPolicy: 'OnFailure', containers: [{ name, image: `${name}:latest` }] } } } };
      return send(res, 200, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: ns, uid: `cj-${ns}-${name}`, resourceVersion: String(resourceVersion), creationTimestamp: now() }, spec: { schedule: '0 2 * * *', jobTemplate } });
    }
    m = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs$/.exec(path);
    if (m && method === 'POST') {
      const ns = m[1]!;
      // kubectl sends built-in kinds like Job as protobuf ("k8s\0" envelope); the fake reads what it needs of that.
      const job = body.startsWith('k8s\u0000') ? jobFromProtobuf(Buffer.from(rawBodies.get(req) ?? Buffer.alloc(0))) : (JSON.parse(body || '{}') as Obj);
      const meta = (job.metadata ?? {}) as Obj;
      const name = String(meta.name ?? '');
      if (jobs.some((j) => j.namespace === ns && j.name === name)) return status(res, 409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
      const owner = ((meta.ownerReferences ?? []) as Obj[]).find((o) => o.kind === 'CronJob');
      jobs.push({ namespace: ns, name, ...(owner ? { fromCronJob: String(owner.name) } : {}) });
      nextRv();
      return send(res, 201, { ...job, metadata: { ...meta, namespace: ns, uid: randomUUID(), resourceVersion: String(resourceVersion), creationTimestamp: now() } });
    }
    m = /^\/api\/v1\/namespaces\/([^/]+)\/events$/.exec(path);
    if (m && method === 'GET') return send(res, 200, { kind: 'EventList', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items: [] });
    m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(path);
    if (m && method === 'GET') {
      const ns = m[1]!;
      const selector = url.searchParams.get('labelSelector');
      const items = [...deployments.values()]
        .filter((d) => d.namespace === ns)
        .flatMap(podsJson)
        .filter((o) => matchesSelector(((o.metadata as Obj).labels ?? {}) as Record<string, string>, selector));
      return send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items });
    }
    // Namespaces and the kinds kept as sent: GET one, create (POST), patch.
    m = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
    const g = m ? null : /^\/(?:api|apis\/([^/]+))\/v1\/namespaces\/([^/]+)\/([^/]+)(?:\/([^/]+))?$/.exec(path);
    const kindInfo = m ? { group: '', resource: 'namespaces', kind: 'Namespace', namespaced: false } : g ? GENERIC.find((k) => k.group === (g[1] ?? '') && k.resource === g[3]) : undefined;
    if (kindInfo) {
      const ns = m ? '' : g![2]!;
      const name = m ? m[1] : g![4];
      const apiVersion = kindInfo.group === '' ? 'v1' : `${kindInfo.group}/v1`;
      const id = (n: string) => `${kindInfo.resource}/${ns}/${n}`;
      if (name && method === 'GET') {
        const o = objects.get(id(name));
        return o ? send(res, 200, o) : status(res, 404, 'NotFound', `${kindInfo.resource} "${name}" not found`);
      }
      if (!name && method === 'POST') {
        const obj = JSON.parse(body || '{}') as Obj;
        const meta = { ...((obj.metadata ?? {}) as Obj) };
        const oname = String(meta.name ?? '');
        if (objects.has(id(oname))) return status(res, 409, 'AlreadyExists', `${kindInfo.resource} "${oname}" already exists`);
        const stored: Obj = { ...obj, apiVersion, kind: kindInfo.kind, metadata: { ...meta, ...(ns ? { namespace: ns } : {}), uid: randomUUID(), resourceVersion: nextRv(), creationTimestamp: now() } };
        objects.set(id(oname), stored);
        created.push(clone(stored));
        return send(res, 201, stored);
      }
      if (name && method === 'PATCH') {
        const o = objects.get(id(name));
        if (!o) return status(res, 404, 'NotFound', `${kindInfo.resource} "${name}" not found`);
        const parsed = JSON.parse(body || '{}') as Json;
        const next = ctype.includes('json-patch') ? jsonPatch(o, parsed as Obj[]) : (mergePatch(o, parsed) as Obj);
        objects.set(id(name), next);
        return send(res, 200, next);
      }
    }
    return status(res, 404, 'NotFound', `the fake does not serve ${method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      rawBodies.set(req, raw);
      const body = raw.toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), body });
      if (state.mode === 'hang') { hanging.add(res); return; }
      // kubectl does not send the token over plain http, so the fake does not require it.
      if (state.mode === 'forbidden') {
        return status(res, 403, 'Forbidden', `User "system:anonymous" cannot ${req.method?.toLowerCase()} resource at ${req.url}`);
      }
      try {
        handle(req, res, body);
      } catch (err) {
        status(res, 500, 'InternalError', String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const kubeconfig = join(opts.dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${url}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: fake',
      '  user:',
      `    token: ${TOKEN}`,
      'contexts:',
      '- name: fake',
      '  context: { cluster: fake, user: fake }',
      'current-context: fake',
      '',
    ].join('\n'),
  );

  return {
    url,
    kubeconfig,
    requests,
    writes: () => requests.filter((r) => r.method !== 'GET'),
    jobs: () => jobs.map((j) => ({ ...j })),
    created: () => clone(created),
    get mode() { return state.mode; },
    set mode(v) { state.mode = v; },
    get settleMs() { return state.settleMs; },
    set settleMs(v) { state.settleMs = v; },
    deployment(namespace, name) {
      const d = deployments.get(key(namespace, name));
      if (!d) throw new Error(`no deployment ${namespace}/${name}`);
      const restartedAt = ((d.template.metadata as Obj | undefined)?.annotations as Obj | undefined)?.['kubectl.kubernetes.io/restartedAt'];
      return { replicas: d.replicas, image: imageOf(d.template), revision: revisionOf(d), generation: d.generation, ready: d.readyReplicas, restartedAt: restartedAt === undefined ? undefined : String(restartedAt) };
    },
    podLogs(namespace, name, podIndex, lines, o = {}) {
      const d = deployments.get(key(namespace, name));
      if (!d) throw new Error(`no deployment ${namespace}/${name}`);
      const podName = String((podsJson(d)[podIndex]!.metadata as Obj).name);
      const entry = logs.get(`${namespace}/${podName}`) ?? { current: [] };
      const stamped = lines.map((l) => ({ text: l.text, at: Date.now() - l.ageS * 1000 }));
      if (o.previous) entry.previous = stamped;
      else entry.current = stamped;
      logs.set(`${namespace}/${podName}`, entry);
    },
    crashLoop(namespace, name, podIndex, restarts) {
      const k = key(namespace, name);
      if (!crashing.has(k)) crashing.set(k, new Map());
      crashing.get(k)!.set(podIndex, restarts);
    },
    revisions(namespace, name) {
      const d = deployments.get(key(namespace, name))!;
      return replicasets.filter((r) => r.owner === d.uid).sort((a, b) => a.revision - b.revision).map((r) => ({ revision: r.revision, image: imageOf(r.template) }));
    },
    async close() {
      for (const d of deployments.values()) if (d.settleTimer) clearTimeout(d.settleTimer);
      for (const w of watchers) w.res.end();
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
