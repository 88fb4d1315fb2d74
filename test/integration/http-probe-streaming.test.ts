import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpCheckSchema } from '../../src/config/schema.js';
import { probeHttp } from '../../src/integrations/health/http-probe.js';

/** An endpoint that answers and then never ends its body, like server-sent events or a long page. */
describe('HTTP health checks against a body that never ends', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: hello\ndata: ready\n\n');
      const t = setInterval(() => res.write(': keep-alive\n\n'), 100);
      req.on('close', () => clearInterval(t));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('is up as soon as the status arrives, not a timeout', async () => {
    const r = await probeHttp(httpCheckSchema.parse({ type: 'http', url, timeout_ms: 1000 }));
    expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('with body_contains, is up as soon as the text has been seen', async () => {
    const r = await probeHttp(httpCheckSchema.parse({ type: 'http', url, body_contains: 'data: ready', timeout_ms: 1000 }));
    expect(r).toMatchObject({ ok: true, detail: 'HTTP 200' });
  });

  it('with body_contains that never comes, says timeout', async () => {
    const r = await probeHttp(httpCheckSchema.parse({ type: 'http', url, body_contains: 'never', timeout_ms: 500 }));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/timeout after 500 ms/);
  });
});
