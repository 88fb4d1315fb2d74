import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Invocation } from '../../src/core/dispatcher.js';
import type { App } from '../../src/main.js';
import { startFakeKube, type FakeKube } from '../fakes/kube-apiserver.js';
import { consoleChan, mallory, testApp } from '../support/app.js';

const NS = 'rag7';

function yaml(kubeconfig: string): string {
  return `
roles:
  responders: ["console:alice"]
services:
  langgraph:
    deploy: { kind: kubernetes, kubeconfig: "${kubeconfig}", context: fake, namespace: ${NS}, deployment: langgraph, container: app }
    replicas: { min: 1, max: 5 }
  litellm:
    deploy: { kind: commands, restart: [echo, restart] }
`;
}

describe('/logs: real kubectl logs by the deployment selector, against the fake API server', () => {
  let dir: string;
  let kube: FakeKube;
  let app: App;
  // Anyone in an allowed channel, like /status: mallory has no role.
  const logs = (text: string) => app.dispatcher.dispatch({ actor: mallory, channel: consoleChan, input: { kind: 'text', text } } satisfies Invocation);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-logs-'));
    app = await testApp(yaml(join(dir, 'kubeconfig')));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    kube = await startFakeKube({ dir, settleMs: 100, deployments: [{ namespace: NS, name: 'langgraph', replicas: 2, container: 'app', images: ['ghcr.io/acme/langgraph:v1'] }] });
    kube.podLogs(NS, 'langgraph', 0, [
      { text: '2026-12-07T09:00:00Z ERROR stale: from yesterday', ageS: 7200 },
      { text: '2026-12-07T10:00:01Z INFO request ok', ageS: 50 },
      { text: '2026-12-07T10:00:02Z ERROR upstream timeout provider=openai', ageS: 40 },
      { text: '2026-12-07T10:00:03Z ERROR db pool exhausted', ageS: 30 },
    ]);
    kube.podLogs(NS, 'langgraph', 1, [
      { text: '2026-12-07T10:00:04Z ERROR upstream timeout provider=openai', ageS: 20 },
      { text: '2026-12-07T10:00:05Z ERROR upstream timeout provider=openai', ageS: 10 },
    ]);
    kube.podLogs(NS, 'langgraph', 1, [{ text: 'panic: nil map', ageS: 600 }, { text: 'panic: nil map', ageS: 600 }], { previous: true });
  });
  afterEach(async () => {
    await kube.close();
  });

  it('reads every pod of the deployment by its selector, the last hour by default, and counts repeated lines across pods', async () => {
    const r = await logs('/logs langgraph --grep ERROR');
    expect(r.status).toBe('ok');
    expect(r.reply.title).toBe('langgraph logs: 4 of 5 lines match (2 distinct, last 1h)');
    expect(r.reply.code).toBe('3 ERROR upstream timeout provider=openai\n1 ERROR db pool exhausted');
    const logReqs = kube.requests.filter((q) => q.url.includes('/log?'));
    expect(logReqs).toHaveLength(2);
    for (const q of logReqs) {
      const u = new URL(q.url, 'http://x');
      expect(u.pathname).toMatch(new RegExp(`^/api/v1/namespaces/${NS}/pods/langgraph-[^/]+/log$`));
      expect(Object.fromEntries(u.searchParams)).toMatchObject({ container: 'app', tailLines: '1000', sinceSeconds: '3600', limitBytes: String(512 * 1024) });
    }
    expect(kube.requests.some((q) => q.url.startsWith(`/api/v1/namespaces/${NS}/pods?`) && q.url.includes('labelSelector=app%3Dlanggraph'))).toBe(true);
    expect(kube.writes()).toEqual([]);
  });

  it('--since widens the window; the timeline keeps what was shown, read-only', async () => {
    const r = await logs('/logs langgraph --since 3h --grep "ERROR (stale|db)"');
    expect(r.reply.code).toBe('1 ERROR stale: from yesterday\n1 ERROR db pool exhausted');
    const [event] = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(event).toMatchObject({ kind: 'command', outcome: 'ok', output: r.reply.code, detail: { readOnly: true } });
    expect(event!.argv).toContain('--since=10800s');
  });

  it('--previous reads the crashed containers, and says so when a pod has none', async () => {
    kube.podLogs(NS, 'langgraph', 0, [{ text: 'panic: nil map', ageS: 900 }], { previous: true });
    const r = await logs('/logs langgraph --previous');
    expect(r.reply.title).toBe('langgraph logs: 3 lines (1 distinct, previous containers)');
    expect(r.reply.code).toBe('3 panic: nil map');

    await kube.close();
    kube = await startFakeKube({ dir, settleMs: 100, deployments: [{ namespace: NS, name: 'langgraph', replicas: 1, container: 'app', images: ['ghcr.io/acme/langgraph:v1'] }] });
    const none = await logs('/logs langgraph --previous');
    expect(none.status).toBe('failed');
    expect(none.reply.text).toMatch(/^A pod of the deployment langgraph in namespace rag7 \(context fake\) has no previous container to read/);
  });

  it('refuses a pattern that could backtrack for ever, a bad duration and a non-Kubernetes service before running kubectl', async () => {
    const before = kube.requests.length;
    const cases: [string, string][] = [
      ['/logs langgraph --grep "(a+)+$"', 'A repeated group may not itself hold a repetition or an alternation'],
      ['/logs langgraph --grep "ERROR("', 'The pattern is not a valid regular expression'],
      [`/logs langgraph --grep ${'x'.repeat(201)}`, 'The pattern is 201 characters long; at most 200 are allowed.'],
      ['/logs langgraph --since 9d', '"9d" is not a duration Firebreak reads'],
      ['/logs langgraph --since=soon', '"soon" is not a duration Firebreak reads'],
      ['/logs litellm', '/logs reads a Kubernetes deployment'],
    ];
    for (const [text, message] of cases) {
      const r = await logs(text);
      expect(r.status, text).toBe('invalid');
      expect(r.reply.text, text).toContain(message);
    }
    expect(kube.requests.length).toBe(before);
  });

  it('a pattern that is slow despite the checks is stopped after 2 s and says so', async () => {
    kube.podLogs(NS, 'langgraph', 0, Array.from({ length: 200 }, () => ({ text: `${'a'.repeat(900)}`, ageS: 5 })));
    const r = await logs('/logs langgraph --grep ".*.*.*.*b"');
    expect(r.status).toBe('failed');
    expect(r.reply.text).toMatch(/^The pattern took longer than 2 s over \d+ lines and was stopped/);
  });
});
