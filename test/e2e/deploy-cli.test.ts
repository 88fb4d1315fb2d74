import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reapChildren } from '../support/children.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';

const BIN = resolve('bin/firebreak.js');
const IMG = 'ghcr.io/acme/conduit-api';

/** `firebreak run` as a child process, the real kubectl against the fake API server. */
// Each child process opens the embedded store (a few seconds on a busy machine): generous timeouts,
// few cases. The full bad-input table runs in-process in test/integration/deploy-kubernetes.test.ts.
describe('firebreak run "/scale|/rollback|/status …" (child process, embedded store)', { timeout: 90_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-deploy-cli-'));
  let kube: FakeKube;

  // A child left by a timed-out test would still hold the data dir's lock when the next test's child starts.
  const children = reapChildren();
  const firebreak = (args: string[], path = process.env.PATH ?? '') =>
    children.track(
      execa(process.execPath, [BIN, ...args], {
        cwd: dir,
        reject: false,
        timeout: 60_000,
        env: { FIREBREAK_CONFIG: join(dir, 'firebreak.yml'), FIREBREAK_DATA_DIR: join(dir, 'data'), LOG_LEVEL: 'warn', PATH: path, HOME: dir },
        extendEnv: false,
      }),
    ).then((r) => ({ code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) }));

  beforeAll(async () => {
    kube = await startFakeKube({
      dir,
      deployments: [{ namespace: 'conduit', name: 'conduit-api', replicas: 3, container: 'api', images: [`${IMG}:v1.2.2`, `${IMG}:v1.2.3`], firstRevision: 13 }],
    });
    writeFileSync(
      join(dir, 'firebreak.yml'),
      `
# The tests name console users with --as.
console:
  allow_as: true
roles:
  responders: ["console:oncall"]
services:
  api:
    deploy: { kind: kubernetes, kubeconfig: "${kube.kubeconfig}", namespace: conduit, deployment: conduit-api, container: api, rollout_timeout_s: 30 }
    replicas: { min: 2, max: 30 }
`,
    );
  });
  afterAll(async () => {
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('/scale api 5 --yes: exit 0, the cluster runs 5 replicas', async () => {
    const r = await firebreak(['run', '/scale api 5', '--as', 'oncall', '--yes']);
    expect(r.code).toBe(0);
    // Progress goes to stderr while the rollout settles; the result to stdout.
    expect(r.stderr).toContain('Scaling api to 5 replicas…');
    expect(r.stdout).toMatch(/^api scaled 3 → 5 replicas, 5\/5 ready in /m);
    expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ replicas: 5, ready: 5 });
  });

  it('/rollback api --yes: exit 0, the cluster runs the previous image', async () => {
    const r = await firebreak(['run', '/rollback api', '--as', 'oncall', '--yes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^api rolled back to revision 13 \(conduit-api:v1\.2\.2\), 5\/5 ready in /m);
    expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ image: `${IMG}:v1.2.2`, revision: 15 });
  });

  it('bad input exits 2 and the cluster sees no request', async () => {
    const before = kube.requests.length;
    for (const text of ['/rollback $(id)']) {
      const r = await firebreak(['run', text, '--as', 'oncall', '--yes']);
      expect(r.code, text).toBe(2);
    }
    expect(kube.requests.length).toBe(before);
  });

  it('kubectl not on PATH: exit 1 and one sentence', async () => {
    const r = await firebreak(['run', '/status api', '--as', 'oncall'], '/nonexistent');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('kubectl is not installed on the Firebreak host (or not on its PATH).');
  });
});
