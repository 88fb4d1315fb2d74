import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import { ALICE, BOB, buttonsOf, contextOf, headerOf, startSlackRig, type SlackRig } from './slack-harness.js';

const IMG = 'ghcr.io/acme/conduit-api';
/**
 * Each step runs real kubectl (a Go binary per call) against the fake API server: on a busy machine
 * one step can take many seconds, so a wait is bounded by the rollout's own timeout (30 s below) and
 * a test by the sum of its waits.
 */
const STEP_MS = 60_000;

/** /rollback from Slack: slash command → card → Confirm → the cluster (real kubectl, fake API server). */
describe('Slack: /rollback and /scale against the fake cluster', () => {
  const dir = mkdtempSync(join(tmpdir(), 'firebreak-deploy-slack-'));
  let kube: FakeKube;
  let rig: SlackRig;

  beforeAll(async () => {
    kube = await startFakeKube({
      dir,
      deployments: [{ namespace: 'conduit', name: 'conduit-api', replicas: 5, container: 'api', images: [`${IMG}:v1.2.2`, `${IMG}:v1.2.3`], firstRevision: 13 }],
    });
    rig = await startSlackRig(`
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
services:
  api:
    deploy: { kind: kubernetes, kubeconfig: "${kube.kubeconfig}", namespace: conduit, deployment: conduit-api, container: api, rollout_timeout_s: 30 }
    replicas: { min: 2, max: 30 }
`);
  });
  // A test's work still running (a failed test leaves its command mid-way) must not reach the
  // cluster during the next test: every delivery settles before the next test starts.
  afterEach(async () => {
    await rig?.slack.idle();
  });
  afterAll(async () => {
    await rig?.close();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const message = (channel: string) => [...rig.fake.messages.values()].find((m) => m.channel === channel);

  it('card with both revisions and the exact command; Alice and Bob pressing Roll back at once roll back once and updates the card with the result', async () => {
    const channel = { id: 'CINCROLL', name: 'inc-rollback' };
    await rig.slash('/rollback', 'api', { channel });
    // The card reads both revisions from the cluster first: on a busy machine that takes over the fast
    // window, so "Running /rollback api…" is posted first and edited into the card when it is ready.
    const card = await rig.fake.waitFor(() => {
      const m = message(channel.id);
      return m && buttonsOf(m.blocks).length > 0 ? m : undefined;
    }, STEP_MS);
    expect(headerOf(card.blocks)).toBe('⏳ Roll back api from revision 14 (conduit-api:v1.2.3) to 13 (conduit-api:v1.2.2)?');
    expect(JSON.stringify(card.blocks)).toContain('rollout undo deployment/conduit-api --to-revision=13');
    expect(kube.writes()).toEqual([]);

    const confirm = buttonsOf(card.blocks).find((b) => b.action_id.startsWith('confirm:'))!;
    await Promise.all([ALICE, BOB].map((user) => rig.click(confirm.action_id, { channel: channel.id, ts: card.ts }, { user, channelName: channel.name, label: 'Roll back' })));
    await rig.fake.waitFor(() => /rolled back to revision 13/.test(headerOf(rig.fake.messages.get(`${channel.id}:${card.ts}`)?.blocks)) || undefined, STEP_MS);
    await rig.slack.idle();
    const final = rig.fake.messages.get(`${channel.id}:${card.ts}`)!;
    expect(headerOf(final.blocks)).toMatch(/^✅ api rolled back to revision 13 \(conduit-api:v1\.2\.2\), 5\/5 ready in /);
    expect(contextOf(final.blocks)).toMatch(/Requested by Alice A · confirmed by (Alice A|Bob B)/);
    expect(kube.writes().filter((w) => w.method === 'PATCH')).toHaveLength(1);
    expect(kube.deployment('conduit', 'conduit-api')).toMatchObject({ image: `${IMG}:v1.2.2`, revision: 15, ready: 5 });
  }, 3 * STEP_MS);

  it('/scale api 99 is refused privately with the bounds; the cluster sees no request', async () => {
    const before = kube.requests.length;
    const { trigger } = await rig.slash('/scale', 'api 99', { channel: { id: 'CINCSCALE', name: 'inc-scale' } });
    const reply = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger || JSON.stringify(p.body).includes('allows 2–30')), STEP_MS);
    expect(JSON.stringify(reply.body)).toContain('api allows 2–30 replicas; 99 is outside that.');
    expect(reply.body.response_type).toBe('ephemeral');
    await rig.slack.idle();
    expect(kube.requests.length).toBe(before);
  }, 2 * STEP_MS);
});
