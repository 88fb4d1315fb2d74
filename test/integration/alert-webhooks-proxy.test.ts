import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/ports.js';
import { registerAlertWebhooks } from '../../src/http/alert-webhooks.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import type { App } from '../../src/main.js';
import { silentLogger, testApp } from '../support/app.js';

/**
 * A reverse proxy on this machine, as nginx with `proxy_set_header X-Forwarded-For` would be: it
 * connects to Firebreak from loopback for every client it serves, and says who the client was.
 */
async function reverseProxy(upstreamPort: number, headers: Record<string, string>): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const up = request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: { ...req.headers, ...headers } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

const payload = JSON.stringify({
  version: '4',
  groupKey: '{}:{alertname="DiskFull"}',
  status: 'firing',
  receiver: 'firebreak',
  groupLabels: { alertname: 'DiskFull' },
  commonLabels: { alertname: 'DiskFull' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager:9093',
  alerts: [{ status: 'firing', labels: { alertname: 'DiskFull' }, annotations: {}, startsAt: '2026-01-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'd1' }],
});

const post = async (port: number, headers: Record<string, string> = {}) => {
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  return { status: res.status, body: (await res.json()) as unknown };
};

describe('alert webhooks without alerts.token behind a reverse proxy on the same host', () => {
  let app: App;
  let firebreak: RunningServer;
  const warnings: string[] = [];
  const logger: Logger = { ...silentLogger, warn: (_obj, msg) => void warnings.push(msg ?? '') };

  beforeAll(async () => {
    app = await testApp('');
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger, metrics: app.metrics });
    firebreak = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    await firebreak?.close();
    await app?.close();
  });

  it.each([
    ['X-Forwarded-For', { 'x-forwarded-for': '203.0.113.9' }, 'x-forwarded-for'],
    ['Forwarded', { forwarded: 'for=203.0.113.9;proto=https' }, 'forwarded'],
  ])('refuses what the proxy forwards with %s and stores nothing', async (_name, headers, header) => {
    const proxy = await reverseProxy(firebreak.port, headers);
    try {
      for (let i = 0; i < 2; i++) {
        expect(await post(proxy.port)).toEqual({
          status: 403,
          body: { error: `this request came through a proxy (${header}); without alerts.token Firebreak accepts alert webhooks only from this machine: set alerts.token and send it as a bearer token` },
        });
      }
      expect(await app.ports.alerts.firing()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('says so in the log: the first refusal, not every one', () => {
    // The cases above refused four requests; a flood of them is not logged whole.
    expect(warnings).toEqual([
      'Refused an alert webhook that came through a proxy (it carries x-forwarded-for): without alerts.token only senders on this machine are accepted, and behind a proxy every sender looks local. Set alerts.token and send it as a bearer token.',
    ]);
  });

  it('a sender on this machine talking to Firebreak directly is still accepted', async () => {
    expect(await post(firebreak.port)).toMatchObject({ status: 200, body: { status: 'ok', stored: true } });
  });
});

describe('the same proxy in front of a Firebreak with alerts.token', () => {
  let app: App;
  let firebreak: RunningServer;

  beforeAll(async () => {
    app = await testApp('alerts:\n  token: "s3cret-token-for-alerts"\n');
    const router = new Router();
    registerAlertWebhooks(router, { config: app.loaded.config, ports: app.ports, logger: silentLogger, metrics: app.metrics });
    firebreak = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    await firebreak?.close();
    await app?.close();
  });

  it('accepts a forwarded request that carries the token', async () => {
    const proxy = await reverseProxy(firebreak.port, { 'x-forwarded-for': '203.0.113.9' });
    try {
      expect(await post(proxy.port, { authorization: 'Bearer s3cret-token-for-alerts' })).toMatchObject({ status: 200, body: { stored: true } });
    } finally {
      await proxy.close();
    }
  });
});
