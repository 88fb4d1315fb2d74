import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DispatchResult, Invocation } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { Reply } from '../../src/core/reply.js';
import type { App } from '../../src/main.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';

const NS = 'conduit';
const IMG = 'ghcr.io/acme/conduit-api';

function yaml(kubeconfig: string): string {
  const kube = (deployment: string) => `{ kind: kubernetes, kubeconfig: "${kubeconfig}", context: fake, namespace: ${NS}, deployment: ${deployment}, container: api, rollout_timeout_s: 30 }`;
  return `
roles:
  responders: ["console:alice", "console:bob"]
services:
  api:
    deploy: ${kube('conduit-api')}
    replicas: { min: 2, max: 30 }
  worker:
    deploy: ${kube('conduit-worker')}
    replicas: { min: 0, max: 10 }
  ghost:
    deploy: ${kube('not-there')}
    replicas: { min: 1, max: 3 }
  web:
    description: no deploy config
`;
}

/** Through the core dispatcher as the console platform does, recording progress messages. */
async function send(app: App, text: string, opts: { actor?: Actor; yes?: boolean } = {}): Promise<DispatchResult & { progress: Reply[] }> {
  const progress: Reply[] = [];
  const inv: Invocation = { actor: opts.actor ?? alice, channel: consoleChan, input: { kind: 'text', text }, autoConfirm: opts.yes ?? false };
  const r = await app.dispatcher.dispatch(inv, { progress: async (p) => void progress.push(p) });
  return { ...r, progress };
}

function confirmId(reply: Reply): string {
  const b = reply.buttons?.find((x) => x.actionId.startsWith('confirm:'));
  if (!b) throw new Error(`no confirm button on ${reply.title}`);
  return b.actionId;
}

const click = (app: App, actionId: string, actor: Actor = bob) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });

describe('deploy operations on Kubernetes, real kubectl against the fake API server', () => {
  let dir: string;
  let kube: FakeKube;
  let app: App;

  // One app for the file (the kubeconfig path stays; each test's fake rewrites the file); a fresh cluster per test.
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-kube-'));
    app = await testApp(yaml(join(dir, 'kubeconfig')));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    kube = await startFakeKube({
      dir,
      settleMs: 300,
      deployments: [
        { namespace: NS, name: 'conduit-api', replicas: 3, container: 'api', images: [`${IMG}:v1.2.0`, `${IMG}:v1.2.1`, `${IMG}:v1.2.2`, `${IMG}:v1.2.3`], firstRevision: 11 },
        { namespace: NS, name: 'conduit-worker', replicas: 2, container: 'api', images: [`${IMG}:w1`, `${IMG}:w2`] },
      ],
    });
  });
  afterEach(async () => {
    await kube.close();
  });

  it('/status shows revision, image, ready replicas and recent revisions with change causes', async () => {
    const r = await send(app, '/status api');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('api: revision 14, 3/3 ready');
    expect(r.reply.fields).toContainEqual({ label: 'Image', value: `${IMG}:v1.2.3` });
    expect(r.reply.fields).toContainEqual({ label: 'Deployment', value: 'deployment conduit-api in namespace conduit (context fake)' });
    expect(r.reply.rows?.map((x) => x.cells.slice(0, 3))).toEqual([
      ['14 (current)', `${IMG}:v1.2.3`, 'deploy v1.2.3'],
      ['13', `${IMG}:v1.2.2`, 'deploy v1.2.2'],
      ['12', `${IMG}:v1.2.1`, 'deploy v1.2.1'],
      ['11', `${IMG}:v1.2.0`, 'deploy v1.2.0'],
    ]);
    expect(r.reply.fields).toContainEqual({ label: 'Pods', value: '3 running, no restarts' });
    expect(kube.writes()).toEqual([]);
  });

  it('/status names a crash-looping pod and why, and is not shown as healthy', async () => {
    kube.crashLoop(NS, 'conduit-api', 1, 7);
    const r = await send(app, '/status api');
    expect(r.status).toBe('ok');
    expect(r.reply.status).toBe('warning');
    const pods = r.reply.fields?.find((f) => f.label === 'Pods')?.value;
    expect(pods).toMatch(/^2 of 3 healthy; conduit-api-\S+: CrashLoopBackOff, 7 restarts$/);
    expect(kube.requests.some((q) => q.url.startsWith(`/api/v1/namespaces/${NS}/pods?`) && q.url.includes('labelSelector=app%3Dconduit-api'))).toBe(true);
  });

  it('/rollback api: a card naming both revisions and the exact command; on confirm the cluster runs revision 13 and the reply says so', async () => {
    const card = await send(app, '/rollback api');
    expect(card.status).toBe('pending');
    expect(card.reply.title).toBe('Roll back api from revision 14 (conduit-api:v1.2.3) to 13 (conduit-api:v1.2.2)?');
    expect(card.reply.code).toContain('rollout undo deployment/conduit-api --to-revision=13');
    expect(card.reply.code).toContain('--namespace=conduit');
    expect(kube.writes()).toEqual([]); // nothing changes before a person confirms

    const done = await click(app, confirmId(card.reply));
    expect(done.status).toBe('ok');
    expect(done.reply.title).toMatch(/^api rolled back to revision 13 \(conduit-api:v1\.2\.2\), 3\/3 ready in [\d.]+ m?s$/);
    expect(done.reply.text).toBe('Kubernetes records the rollback as revision 15.');
    const d = kube.deployment(NS, 'conduit-api');
    expect(d.image).toBe(`${IMG}:v1.2.2`);
    expect(d.revision).toBe(15);
    expect(d.ready).toBe(3);
    expect(kube.writes().filter((w) => w.method === 'PATCH')).toHaveLength(1);

    const events = await app.ports.timeline.list({ invocationId: done.invocationId });
    const kinds = events.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['confirmation.requested', 'confirmation.confirmed', 'action.started', 'action.progress', 'action.finished']));
    const fin = events.find((e) => e.kind === 'action.finished')!;
    expect(fin.argv).toContain('--to-revision=13');
    expect(fin.exitCode).toBe(0);
    expect(fin.output).toContain('successfully rolled out');
  });

  it('/rollback api 11 --yes goes to the chosen revision, streaming rollout progress', async () => {
    const r = await send(app, '/rollback api 11', { yes: true });
    expect(r.status).toBe('ok');
    expect(r.reply.title).toMatch(/^api rolled back to revision 11 \(conduit-api:v1\.2\.0\), 3\/3 ready/);
    expect(kube.deployment(NS, 'conduit-api').image).toBe(`${IMG}:v1.2.0`);
    expect(r.progress.some((p) => p.status === 'pending' && /rolled back|rollout/.test(p.code ?? ''))).toBe(true);
  });

  it('/scale api 5: card "3 → 5 (allowed 2–30)", then 5 replicas settled in the cluster', async () => {
    const card = await send(app, '/scale api 5');
    expect(card.reply.title).toBe('Scale api 3 → 5 replicas (allowed 2–30)?');
    expect(card.reply.code).toMatch(/scale deployment\/conduit-api --current-replicas=3 --replicas=5$/);
    const done = await click(app, confirmId(card.reply), alice);
    expect(done.status).toBe('ok');
    expect(done.reply.title).toMatch(/^api scaled 3 → 5 replicas, 5\/5 ready in /);
    expect(kube.deployment(NS, 'conduit-api')).toMatchObject({ replicas: 5, ready: 5, revision: 14 });
  });

  it('a scale confirmed after someone else changed the replica count is refused by kubectl, not applied', async () => {
    const card = await send(app, '/scale api 6');
    await send(app, '/scale api 4', { yes: true });
    const done = await click(app, confirmId(card.reply));
    expect(done.status).toBe('failed');
    expect(done.reply.text).toMatch(/kubectl exited with code 1: .*[Ee]xpected replicas to be 3, was 4/);
    expect(kube.deployment(NS, 'conduit-api').replicas).toBe(4);
  });

  it('/restart api: rolling restart with confirmation; the pod template gets a restartedAt and the rollout settles', async () => {
    const r = await send(app, '/restart api', { yes: true });
    expect(r.status).toBe('ok');
    expect(r.reply.title).toMatch(/^api restarted: 3\/3 ready in /);
    const d = kube.deployment(NS, 'conduit-api');
    expect(d.restartedAt).toBeDefined();
    expect(d.revision).toBe(15);
    expect(d.image).toBe(`${IMG}:v1.2.3`);
  });

  it('two confirms of the same rollback at once: exactly one rollout undo reaches the cluster', async () => {
    const card = await send(app, '/rollback api');
    const id = confirmId(card.reply);
    const [a, b] = await Promise.all([click(app, id, alice), click(app, id, bob)]);
    expect([a.status, b.status].sort()).toEqual(['denied', 'ok'].sort() as string[]);
    const loser = a.status === 'ok' ? b : a;
    expect(loser.reply.text).toMatch(/already running/);
    expect(kube.writes().filter((w) => w.method === 'PATCH' && w.contentType.includes('json-patch'))).toHaveLength(1);
    expect(kube.deployment(NS, 'conduit-api').revision).toBe(15);
  });

  it('a second rollback of the same service while one runs is told who started it; different services run in parallel', async () => {
    kube.settleMs = 1500;
    const first = await send(app, '/rollback api');
    const second = await send(app, '/rollback api 12');
    const worker = await send(app, '/scale worker 4');
    const running = click(app, confirmId(first.reply), alice);
    const parallel = click(app, confirmId(worker.reply), bob);
    // Wait until the first rollback's patch has reached the cluster, then try the second.
    for (let i = 0; i < 200 && !kube.writes().some((w) => w.contentType.includes('json-patch')); i++) await new Promise((r) => setTimeout(r, 25));
    const blocked = await click(app, confirmId(second.reply), bob);
    expect(blocked.status).toBe('denied');
    expect(blocked.reply.text).toMatch(/^Roll back api from revision 14 .* is already running, started by alice at \d{4}-/);
    const [r1, r2] = await Promise.all([running, parallel]);
    expect(r1.status).toBe('ok');
    expect(r2.status).toBe('ok');
    expect(kube.deployment(NS, 'conduit-api').image).toBe(`${IMG}:v1.2.2`);
    expect(kube.deployment(NS, 'conduit-worker').replicas).toBe(4);
  });

  it('a /rollback asked for while a rollback of the same service runs is told who started it, with no card to click', async () => {
    kube.settleMs = 1500;
    const first = await send(app, '/rollback api');
    const running = click(app, confirmId(first.reply), alice);
    for (let i = 0; i < 200 && !kube.writes().some((w) => w.contentType.includes('json-patch')); i++) await new Promise((r) => setTimeout(r, 25));
    const second = await send(app, '/rollback api', { actor: bob });
    expect(second.status).toBe('denied');
    expect(second.reply.buttons ?? []).toEqual([]);
    expect(second.reply.text).toMatch(/^Roll back api from revision 14 .* is already running, started by alice at \d{4}-.*Nothing was run/);
    expect((await running).status).toBe('ok');
    // Once it has finished, a new /rollback is offered again, from the new revision.
    const again = await send(app, '/rollback api', { actor: bob });
    expect(again.status).toBe('pending');
    expect(again.reply.title).toMatch(/^Roll back api from revision 15 /);
  });

  it('a rollback card confirmed after someone else deployed is refused and changes nothing', async () => {
    const stale = await send(app, '/rollback api');
    expect(stale.reply.title).toMatch(/^Roll back api from revision 14 .* to 13 /);
    expect((await send(app, '/restart api', { yes: true, actor: bob })).status).toBe('ok');
    const revisionAfterDeploy = kube.deployment(NS, 'conduit-api').revision;
    const writesBefore = kube.writes().length;
    const r = await click(app, confirmId(stale.reply), alice);
    expect(r.status).toBe('failed');
    expect(r.reply.title).toBe('api changed since this card was shown');
    expect(r.reply.text).toMatch(new RegExp(`now runs revision ${revisionAfterDeploy} .*not 14 as the card said\\. Nothing was run`));
    expect(kube.writes()).toHaveLength(writesBefore);
    expect(kube.deployment(NS, 'conduit-api').revision).toBe(revisionAfterDeploy);
  });

  it('after a restart, /rollback offers the newest revision with a different image, not the restart', async () => {
    expect((await send(app, '/restart api', { yes: true })).status).toBe('ok');
    const card = await send(app, '/rollback api');
    expect(card.reply.title).toMatch(/^Roll back api from revision 15 \(conduit-api:v1\.2\.3\) to 13 \(conduit-api:v1\.2\.2\)\?$/);
    // Asking for the restart's twin explicitly is allowed, with a warning on the card.
    const twin = await send(app, '/rollback api 14');
    expect(twin.reply.text).toMatch(/runs the same image as the current one/);
  });

  it('after a rollback, /rollback offers the previous revision by number (the image just left) and warns that it moves forward', async () => {
    expect((await send(app, '/rollback api 13', { yes: true })).status).toBe('ok');
    expect(kube.deployment(NS, 'conduit-api')).toMatchObject({ revision: 15, image: `${IMG}:v1.2.2` });
    const card = await send(app, '/rollback api');
    expect(card.reply.title).toBe('Roll back api from revision 15 (conduit-api:v1.2.2) to 14 (conduit-api:v1.2.3)?');
    expect(card.reply.text).toMatch(/^Revision 14 \(conduit-api:v1\.2\.3\) is newer than the current conduit-api:v1\.2\.2: this moves forward/);
    // An older revision chosen by number carries no such warning.
    expect((await send(app, '/rollback api 12')).reply.text ?? '').not.toMatch(/newer/);
  });

  it('/scale worker 0: the card warns that it stops the service; other counts carry no warning', async () => {
    const stop = await send(app, '/scale worker 0');
    expect(stop.status).toBe('pending');
    expect(stop.reply.text).toBe('Scaling to 0 stops worker: no pod runs and it serves nothing until it is scaled up again.');
    expect((await send(app, '/scale worker 3')).reply.text ?? '').not.toMatch(/stops/);
  });

  it('a responder role is needed: mallory is refused before the cluster is read', async () => {
    const r = await send(app, '/rollback api', { actor: mallory });
    expect(r.status).toBe('denied');
    expect(r.reply.text).toMatch(/needs the "responders" role/);
    expect(kube.requests).toEqual([]);
  });

  describe('bad input: one clear sentence, status invalid, and the cluster sees no request', () => {
    const table: [string, RegExp][] = [
      ['/scale api -1', /whole number, not "-1"; api allows 2–30 replicas/],
      ['/scale api 1', /^api allows 2–30 replicas; 1 is outside that\.$/],
      ['/scale api 31', /^api allows 2–30 replicas; 31 is outside that\.$/],
      ['/scale api 99999999999', /whole number, not "99999999999"/],
      ['/scale api five', /whole number, not "five"/],
      ['/scale api 2.5', /whole number, not "2\.5"/],
      ['/scale api', /Say how many: \/scale api REPLICAS/],
      ['/rollback api abc', /revision must be a whole number such as 13, not "abc"/],
      ['/rollback api -3', /revision must be a whole number/],
      ['/rollback "api; rm -rf /"', /no service called "api; rm -rf \/"\. Services you can roll back: api, worker, ghost\./],
      ['/rollback api; rm -rf /', /Too many arguments/],
      ['/scale $(id) 3', /no service called "\$\(id\)"/],
      ['/restart ../x', /no service called "\.\.\/x"/],
      ['/status ../../etc/passwd', /no service called/],
      ['/restart web', /web has no deploy config \(services\.web\.deploy\)/],
      ['/rollback', /Name a service: \/rollback SERVICE/],
      ['/scale api 5 --force', /has no --force option/],
    ];
    it.each(table)('%s', async (text, message) => {
      const r = await send(app, text);
      expect(r.status).toBe('invalid');
      expect(r.reply.text).toMatch(message);
      expect(kube.requests).toEqual([]);
    });

    it('a revision that does not exist is refused after reading the history, and nothing is written', async () => {
      const r = await send(app, '/rollback api 7');
      expect(r.status).toBe('invalid');
      expect(r.reply.text).toBe('api has no revision 7; the revisions Kubernetes still keeps are 14, 13, 12, 11.');
      expect(kube.writes()).toEqual([]);
      const same = await send(app, '/rollback api 14');
      expect(same.reply.text).toMatch(/already runs revision 14/);
    });
  });

  describe('cluster problems become one sentence', () => {
    it('a deployment that is not there', async () => {
      const r = await send(app, '/status ghost');
      expect(r.status).toBe('failed');
      expect(r.reply.text).toMatch(/^The deployment not-there in namespace conduit \(context fake\) was not found: /);
    });

    it('no access to the cluster', async () => {
      kube.mode = 'forbidden';
      const r = await send(app, '/rollback api');
      expect(r.status).toBe('failed');
      expect(r.reply.text).toMatch(/^kubectl has no access to deployment conduit-api in namespace conduit \(context fake\): .* Nothing was changed\.$/);
    });

    it('a cluster that is not reachable', async () => {
      await kube.close();
      const r = await send(app, '/scale api 5');
      expect(r.status).toBe('failed');
      expect(r.reply.text).toMatch(/^Firebreak cannot reach the Kubernetes cluster for deployment conduit-api/);
      kube = await startFakeKube({ dir, deployments: [] }); // for afterEach
    });
  });
});
