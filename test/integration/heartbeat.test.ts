import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import { startHttpRecorder, type HttpRecorder } from '../fakes/http-recorder.js';
import { configFrom, testRuntime } from '../support/app.js';
import { createTestDatabase, PG_ADMIN_URL } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';

/**
 * alerts.heartbeat with `firebreak start` on real PostgreSQL behind a TCP proxy: the external URL
 * (a local recorder) is pinged every second while /readyz passes; when the database goes away the
 * pings stop (and /readyz says why), and when it is back they resume. The same for the alert
 * outbox worker (stopped: pings stop; a replica started again pings again) and a chat platform
 * configured but not started (no pings at all).
 */
describe('alerts.heartbeat', () => {
  let recorder: HttpRecorder;
  let proxy: TcpProxy;
  let running: Running;
  let drop: () => Promise<void>;
  let cut = false;
  let start: () => Promise<Running>;

  beforeAll(async () => {
    recorder = await startHttpRecorder();
    const t = await createTestDatabase('fb_heartbeat');
    drop = t.drop;
    const admin = new URL(PG_ADMIN_URL);
    proxy = new TcpProxy(admin.hostname, Number(admin.port || 5432));
    await proxy.up();
    const url = new URL(t.url);
    url.host = `127.0.0.1:${proxy.port}`;
    start = () => startFirebreak(
      testRuntime({ port: 0, databaseUrl: url.toString() }),
      configFrom(`
alerts:
  watch: { enabled: false }
  heartbeat: { url: "${recorder.url}/ping/abc123", every_s: 1, timeout_ms: 1000 }
`),
      { host: '127.0.0.1' },
    );
    running = await start();
  }, 120_000);
  afterAll(async () => {
    // Back up if a failed assertion left it down, so the app closes its pool cleanly.
    if (cut) await proxy.up();
    await running?.close();
    await proxy?.down();
    await recorder?.close();
    await drop?.();
  });

  const pings = () => recorder.requests.filter((r) => r.url === '/ping/abc123' && r.method === 'GET').length;
  const readyz = async () => {
    const res = await fetch(`http://127.0.0.1:${running.http.port}/readyz`);
    return { status: res.status, body: (await res.json()) as { checks: { name: string; ok: boolean; error?: string }[] } };
  };

  it('pings while healthy, stops while the store is down, and resumes when it is back', async () => {
    expect(running.workers.names).toContain('heartbeat');
    await waitFor(() => pings() >= 2, 30_000, 'two pings while healthy');

    await proxy.down();
    cut = true;
    await waitFor(async () => (await readyz()).status === 503, 30_000, '/readyz failing with the store down');
    expect((await readyz()).body.checks.find((c) => c.name === 'store')).toMatchObject({ ok: false });
    // A ping already under way when the proxy went down may still land; after that, none.
    await new Promise((r) => setTimeout(r, 1_500));
    const whileDown = pings();
    await new Promise((r) => setTimeout(r, 4_000));
    expect(pings()).toBe(whileDown);

    await proxy.up();
    cut = false;
    await waitFor(() => pings() >= whileDown + 2, 60_000, 'pings again once the store is back');
    expect((await readyz()).status).toBe(200);
  }, 120_000);

  it('stops while the alert outbox worker is not running, and a replica started again pings again', async () => {
    await waitFor(async () => (await readyz()).status === 200, 30_000, '/readyz passing');
    const before = pings();
    await waitFor(() => pings() >= before + 1, 30_000, 'a ping while healthy');

    await running.alertOutbox.stop();
    await waitFor(async () => (await readyz()).status === 503, 30_000, '/readyz failing with the outbox stopped');
    expect((await readyz()).body.checks.find((c) => c.name === 'alert outbox')).toMatchObject({ ok: false, error: expect.stringContaining('stopping') });
    expect((await readyz()).body.checks.find((c) => c.name === 'store')).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 1_500));
    const whileStopped = pings();
    await new Promise((r) => setTimeout(r, 4_000));
    expect(pings()).toBe(whileStopped);

    // A stopped worker is not started again in-process: the replica is restarted, as a supervisor would.
    await running.close();
    running = await start();
    await waitFor(() => pings() >= whileStopped + 2, 60_000, 'pings again from the restarted replica');
    expect((await readyz()).status).toBe(200);
  }, 120_000);
});

describe('alerts.heartbeat with a chat platform configured but not started', () => {
  let recorder: HttpRecorder;
  let running: Running;
  let dataDir: string;

  beforeAll(async () => {
    recorder = await startHttpRecorder();
    dataDir = mkdtempSync(join(tmpdir(), 'fb-heartbeat-chat-'));
    // Discord is on (an application id) but cannot start (no public key): /readyz's chat check fails.
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir, discord: { applicationId: '1200000000000000001', publicKey: undefined, botToken: undefined, apiUrl: undefined } }),
      configFrom(`
alerts:
  watch: { enabled: false }
  heartbeat: { url: "${recorder.url}/ping/chat", every_s: 1, timeout_ms: 1000 }
`),
      { host: '127.0.0.1' },
    );
  }, 120_000);
  afterAll(async () => {
    await running?.close();
    await recorder?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('never pings while the chat check fails, and /readyz says which platform', async () => {
    const res = await fetch(`http://127.0.0.1:${running.http.port}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: { name: string; ok: boolean; error?: string }[] };
    expect(body.checks.find((c) => c.name === 'chat')).toMatchObject({ ok: false, error: expect.stringContaining('discord') });
    expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['chat']);
    // Five slots of one second, none pinged.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(recorder.requests.filter((r) => r.url === '/ping/chat')).toEqual([]);
  }, 60_000);
});
