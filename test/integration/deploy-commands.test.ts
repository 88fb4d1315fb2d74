import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployConfig } from '../../src/core/ports.js';
import type { App } from '../../src/main.js';
import { ServiceDeployer } from '../../src/integrations/deploy/deployer.js';
import { startFakeKube } from '../fakes/kube-apiserver.js';
import { alice, consoleChan, testApp } from '../support/app.js';

const RECORDER = resolve('test/fakes/record-argv.mjs');
const ENV_RECORDER = resolve('test/fakes/record-env.mjs');

describe('the commands deploy kind: argv templates with {service}, {replicas}, {revision}', () => {
  let dir: string;
  let app: App;
  const out = (name: string) => join(dir, `${name}.json`);
  const received = (name: string) => JSON.parse(readFileSync(out(name), 'utf8')) as string[];
  const send = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text }, autoConfirm: true });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-deploy-cmd-'));
    const tool = (name: string, ...args: string[]) => `[node, "${RECORDER}", "${out(name)}", ${args.map((a) => JSON.stringify(a)).join(', ')}]`;
    app = await testApp(`
roles:
  responders: ["console:alice"]
services:
  litellm:
    deploy:
      kind: commands
      rollback: ${tool('rollback', 'redeploy', '--service', '{service}', '--previous')}
      scale: ${tool('scale', 'service', '{service}', 'scale', '--replicas', '{replicas}')}
      restart: ${tool('restart', 'restart', '--service={service}')}
      status: ${tool('status', 'status', '{service}')}
      timeout_s: 20
    replicas: { min: 1, max: 6 }
  chart:
    deploy:
      kind: commands
      rollback: ${tool('helm', 'rollback', '{service}', '{revision}')}
      restart: ${tool('chart-restart', 'FAKE_EXIT=4')}
  railway:
    deploy:
      kind: commands
      restart: [node, "${ENV_RECORDER}", "${out('railway-env')}"]
      env: { RAILWAY_TOKEN: "\${RAILWAY_TOKEN}" }
`, { env: { RAILWAY_TOKEN: 'rw-token-123' } });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("a deploy command gets its own env: (the Railway CLI's token) and none of Firebreak's other secrets", async () => {
    process.env.SOME_OTHER_TOKEN = 'not-for-railway';
    try {
      const r = await send('/restart railway');
      expect(r.status).toBe('ok');
    } finally {
      delete process.env.SOME_OTHER_TOKEN;
    }
    const env = JSON.parse(readFileSync(out('railway-env'), 'utf8')) as Record<string, string>;
    expect(env.RAILWAY_TOKEN).toBe('rw-token-123');
    expect(env.SOME_OTHER_TOKEN).toBeUndefined();
    expect(env.PATH).toBeTruthy();
  });

  it('/scale litellm 4 runs the scale template with the validated number as one argument', async () => {
    const r = await send('/scale litellm 4');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toMatch(/^litellm scaled to 4 replicas in /);
    expect(received('scale')).toEqual(['service', 'litellm', 'scale', '--replicas', '4']);
    expect(r.reply.code).toBe('received 5 args: service | litellm | scale | --replicas | 4');
  });

  it('/rollback litellm runs the rollback template; a revision is refused when the template takes none', async () => {
    const r = await send('/rollback litellm');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toMatch(/^litellm rolled back to its previous deploy in /);
    expect(received('rollback')).toEqual(['redeploy', '--service', 'litellm', '--previous']);
    const bad = await send('/rollback litellm 3');
    expect(bad.status).toBe('invalid');
    expect(bad.reply.text).toMatch(/always returns to the previous deploy/);
  });

  it('{revision} templates need one and get it as one argument', async () => {
    const missing = await send('/rollback chart');
    expect(missing.status).toBe('invalid');
    expect(missing.reply.text).toBe("chart's rollback command needs a revision: /rollback chart REVISION.");
    const r = await send('/rollback chart 7');
    expect(r.status).toBe('ok');
    expect(received('helm')).toEqual(['rollback', 'chart', '7']);
  });

  it('/restart litellm, /status litellm show what the tools printed', async () => {
    expect((await send('/restart litellm')).status).toBe('ok');
    expect(received('restart')).toEqual(['restart', '--service=litellm']);
    const s = await send('/status litellm');
    expect(s.status).toBe('ok');
    expect(s.reply.code).toBe('received 2 args: status | litellm');
  });

  it('a failing tool: status failed with its exit code and stderr excerpt, recorded in the timeline', async () => {
    const r = await send('/restart chart');
    expect(r.status).toBe('failed');
    expect(r.reply.text).toMatch(/exited with code 4: tool failed on purpose/);
    const fin = (await app.ports.timeline.list({ invocationId: r.invocationId })).find((e) => e.kind === 'action.finished');
    expect(fin?.exitCode).toBe(4);
    expect(fin?.output).toContain('tool failed on purpose');
  });

  it('operations without a template, and scale without bounds, are refused before anything runs', async () => {
    const s = await send('/scale chart 2');
    expect(s.status).toBe('invalid');
    expect(s.reply.text).toMatch(/chart has no replica bounds/);
    const bounds = await send('/scale litellm 7');
    expect(bounds.reply.text).toBe('litellm allows 1–6 replicas; 7 is outside that.');
  });
});

describe('kubectl itself missing or hanging', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-kubectl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const deploy = (kubeconfig: string): DeployConfig => ({ kind: 'kubernetes', kubeconfig, namespace: 'conduit', deployment: 'conduit-api', rollout_timeout_s: 5 });

  it('kubectl not installed → one sentence', async () => {
    const port = new ServiceDeployer({ kubectl: join(dir, 'no-kubectl-here') });
    const r = await port.status({ service: 'api', deploy: deploy(join(dir, 'kubeconfig')) });
    expect(r).toMatchObject({ ok: false, problem: `${join(dir, 'no-kubectl-here')} is not installed on the Firebreak host (or not on its PATH).` });
  });

  it('a rollout that does not settle in rollout_timeout_s: applied, reported as not finished', async () => {
    const kube = await startFakeKube({ dir, settleMs: 60_000, deployments: [{ namespace: 'conduit', name: 'conduit-api', replicas: 3, container: 'api', images: ['img:v1'] }] });
    try {
      const port = new ServiceDeployer();
      const r = await port.execute({ service: 'api', deploy: deploy(kube.kubeconfig) }, { kind: 'scale', replicas: 5 }, () => {});
      expect(r.ok).toBe(false);
      expect(r.problem).toBe('The change was applied, but the rollout of deployment conduit-api in namespace conduit did not finish within 5 s (3 of 5 replicas updated, 3 ready); it may still be progressing or stuck.');
      expect(kube.deployment('conduit', 'conduit-api').replicas).toBe(5);
    } finally {
      await kube.close();
    }
  });

  it('an API server that never answers → kubectl times out and says so in one sentence', async () => {
    const kube = await startFakeKube({ dir, deployments: [] });
    kube.mode = 'hang';
    try {
      const port = new ServiceDeployer({ requestTimeoutMs: 1000 });
      const r = await port.execute({ service: 'api', deploy: deploy(kube.kubeconfig) }, { kind: 'restart' }, () => {});
      expect(r.ok).toBe(false);
      expect(r.problem).toMatch(/^(kubectl timed out talking to the cluster|Firebreak cannot reach the Kubernetes cluster) for deployment conduit-api in namespace conduit: /);
      expect(kube.writes()).toEqual([]);
    } finally {
      await kube.close();
    }
  });
});

