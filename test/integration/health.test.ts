import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import { renderText } from '../../src/chat/console/render.js';
import { alice, consoleChan, testApp } from '../support/app.js';
import { PG_ADMIN_URL, REDIS_URL } from '../support/postgres.js';

/** Local HTTP servers standing in for services: one up, one failing, one that never answers. */
function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
}

describe('/health against real checks', () => {
  let up: { server: Server; url: string };
  let failing: { server: Server; url: string };
  let hanging: { server: Server; url: string };
  let closedPort: number;
  let app: App;

  beforeAll(async () => {
    up = await listen((_req, res) => res.end('{"status":"alive"}'));
    failing = await listen((_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    hanging = await listen(() => {
      /* never answers */
    });
    const probe = await listen(() => {});
    closedPort = (probe.server.address() as AddressInfo).port;
    await new Promise((r) => probe.server.close(r));
    app = await testApp(`
services:
  api:
    health: { type: http, url: "${up.url}/health", body_contains: alive }
  billing:
    health: { type: http, url: "${failing.url}/health" }
  search:
    health: { type: http, url: "${hanging.url}/health", timeout_ms: 300 }
  worker:
    health: { type: tcp, host: 127.0.0.1, port: ${closedPort}, timeout_ms: 500 }
datastores:
  postgres: { type: postgres, url: "${PG_ADMIN_URL}" }
  cache: { type: redis, url: "${REDIS_URL}" }
  store: { type: postgres }
  bad-pg: { type: postgres, url: "postgres://nobody:hunter22@127.0.0.1:${closedPort}/x", timeout_ms: 500 }
`);
  });
  afterAll(async () => {
    await app.close();
    hanging.server.closeAllConnections();
    await Promise.all([up, failing, hanging].map((s) => new Promise((r) => s.server.close(r))));
  });

  const run = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text } });

  it('checks everything in parallel and says exactly what failed', async () => {
    const r = await run('/health');
    expect(r.status).toBe('failed');
    expect(r.reply.title).toMatch(/^Health — 4 of 8 checks OK \(checked in \d+ ms\)$/);
    const byName = Object.fromEntries(r.reply.rows!.map((row) => [row.cells[0], row]));
    expect(byName.api).toMatchObject({ status: 'ok', cells: ['api', 'http', expect.stringMatching(/^\d+ ms$/), expect.stringContaining('HTTP 200')] });
    expect(byName.billing).toMatchObject({ status: 'error', cells: ['billing', 'http', 'HTTP 500 Internal Server Error (expected 200)', `${failing.url}/health`] });
    expect(byName.search).toMatchObject({ status: 'error', cells: ['search', 'http', 'timeout after 300 ms', `${hanging.url}/health`] });
    expect(byName.worker).toMatchObject({ status: 'error', cells: ['worker', 'tcp', 'connection refused', `127.0.0.1:${closedPort}`] });
    expect(byName.postgres).toMatchObject({ status: 'ok', cells: ['postgres', 'postgres', expect.stringMatching(/ms$/), expect.stringMatching(/127\.0\.0\.1:5432\/postgres, \d+ connections/)] });
    expect(byName.cache).toMatchObject({ status: 'ok', cells: ['cache', 'redis', expect.stringMatching(/ms$/), expect.stringMatching(/^127\.0\.0\.1:6379, [\d.]+ [KMG]?B used$/)] });
    expect(byName.store).toMatchObject({ status: 'ok', cells: ['store', 'postgres', expect.stringMatching(/ms$/), 'embedded (in memory)'] }); // names where the store is (its data dir on disk)
    expect(byName['bad-pg']!.status).toBe('error');
    // the password in the URL is never shown
    expect(JSON.stringify(r.reply)).not.toContain('hunter22');
    expect(r.reply.text).toBe('Failing: billing, search, worker, bad-pg');
    expect(renderText(r.reply)).toContain('❌ search');
  });

  it('checks one service when asked, and exits ok when it is up', async () => {
    const r = await run('/health api');
    expect(r.status).toBe('ok');
    expect(r.reply.rows).toHaveLength(1);
    expect(r.reply.buttons).toEqual([{ actionId: 'run:/health api', label: 'Re-check' }]);
  });

  it('names the known services when given an unknown one', async () => {
    const r = await run('/health nope');
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('There is no service or datastore called "nope". Known: api, billing, search, worker, postgres, cache, store, bad-pg.');
  });

  it('records every invocation in the timeline', async () => {
    const r = await run('/health worker');
    const events = await app.ports.timeline.list({ invocationId: r.invocationId });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ kind: 'command', command: 'health', text: '/health worker', outcome: 'failed', actor: alice });
  });

  it('the Re-check button runs the check again as the clicking user', async () => {
    const r = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: 'run:/health api' } });
    expect(r.status).toBe('ok');
    expect(r.reply.rows?.[0]?.cells[0]).toBe('api');
  });
});

describe('/health HTTP checks reach what fetch would refuse', () => {
  const servers: Server[] = [];
  let app: App | undefined;
  afterAll(async () => {
    await app?.close();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  /** Listens on the first free port from fetch's "bad ports" list (https://fetch.spec.whatwg.org/#port-blocking). */
  async function listenOnBadPort(handler: Parameters<typeof createServer>[1]): Promise<number> {
    for (const port of [10080, 6000, 6665, 6666, 6667, 6668, 6669, 6697, 6679]) {
      const server = createServer(handler);
      const ok = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (ok) {
        servers.push(server);
        return port;
      }
    }
    throw new Error('no port from the bad-port list is free on this machine');
  }

  it('sends URL credentials as Basic auth, masks them in the card, and probes a port on the bad-port list; refused connections say so (HTTP and Redis)', async () => {
    const seen: { authorization?: string; method?: string; probe?: string }[] = [];
    const clickhouse = await listen((req, res) => {
      seen.push({ authorization: req.headers.authorization, method: req.method, probe: req.headers['x-probe'] as string | undefined });
      if (req.headers.authorization !== `Basic ${Buffer.from('default:p@ss-w0rd-2fa9').toString('base64')}`) {
        res.statusCode = 401;
        return res.end('auth required');
      }
      res.end('Ok.\n');
    });
    servers.push(clickhouse.server);
    const badPort = await listenOnBadPort((req, res) => {
      res.statusCode = req.method === 'POST' ? 204 : 405;
      res.end();
    });
    const chPort = (clickhouse.server.address() as AddressInfo).port;
    app = await testApp(`
services:
  clickhouse:
    health: { type: http, url: "http://default:p%40ss-w0rd-2fa9@127.0.0.1:${chPort}/ping", body_contains: "Ok.", headers: { x-probe: firebreak } }
  legacy:
    health: { type: http, url: "http://127.0.0.1:${badPort}/health", method: POST, expect_status: 204 }
  discard:
    health: { type: http, url: "http://127.0.0.1:9/health" }
datastores:
  dead-cache: { type: redis, url: "redis://:hunter2x@127.0.0.1:9", timeout_ms: 1500 }
`);
    const r = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: '/health' } });
    const byName = Object.fromEntries(r.reply.rows!.map((row) => [row.cells[0], row]));
    expect(seen).toEqual([{ authorization: `Basic ${Buffer.from('default:p@ss-w0rd-2fa9').toString('base64')}`, method: 'GET', probe: 'firebreak' }]);
    expect(byName.clickhouse).toMatchObject({ status: 'ok', cells: ['clickhouse', 'http', expect.stringMatching(/^\d+ ms$/), `http://127.0.0.1:${chPort}/ping, HTTP 200`] });
    expect(byName.legacy).toMatchObject({ status: 'ok', cells: ['legacy', 'http', expect.stringMatching(/^\d+ ms$/), `http://127.0.0.1:${badPort}/health, HTTP 204`] });
    // The issue's own example: a closed port 9 reads as refused, never as fetch's "bad port".
    expect(byName.discard).toMatchObject({ status: 'error', cells: ['discard', 'http', 'connection refused', 'http://127.0.0.1:9/health'] });
    // ioredis alone would say "Connection is closed."
    expect(byName['dead-cache']).toMatchObject({ status: 'error', cells: ['dead-cache', 'redis', 'connection refused', '127.0.0.1:9'] });
    const card = renderText(r.reply);
    expect(card).toContain(`127.0.0.1:${chPort}`);
    expect(`${card}${JSON.stringify(r.reply)}`).not.toMatch(/p%40ss|p@ss|w0rd-2fa9|hunter2x/);
    expect(card).not.toContain('bad port');
  });
});
