import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import { renderText } from '../../src/chat/console/render.js';
import { alice, consoleChan, testApp } from '../support/app.js';
import { TestCertificates } from '../support/tls-certs.js';

const DAY = 86_400_000;

/** /health with a certificate about to expire, a JSON field below its threshold and a command check. */
describe('/health shows tls, json and command checks with their state and reason', () => {
  let certs: TestCertificates;
  let tls: TlsServer;
  let http: HttpServer;
  let app: App;
  let notAfter: Date;
  let tlsPort: number;
  let healthyCount = 1;

  beforeAll(async () => {
    certs = new TestCertificates();
    notAfter = new Date(Date.now() + 3 * DAY + 3_600_000);
    const cert = certs.issue(new Date(Date.now() - DAY), notAfter);
    tls = createTlsServer({ key: cert.key, cert: cert.cert }, (s) => s.end());
    tls.on('tlsClientError', () => {});
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsPort = (tls.address() as AddressInfo).port;
    http = createHttpServer((_req, res) => res.end(JSON.stringify({ healthy_count: healthyCount })));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/health`;
    app = await testApp(`
services:
  litellm:
    health: { type: json, url: "${url}", path: .healthy_count, min: 2 }
datastores:
  api-cert: { type: tls, host: 127.0.0.1, port: ${tlsPort}, servername: localhost, ca_file: "${certs.caFile}" }
  lag: { type: command, argv: [node, test/fakes/health-tool.mjs, --print, "lag 12"], max: 100 }
`);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await Promise.all([tls, http].map((s) => new Promise((r) => s.close(r))));
    certs?.remove();
  });

  const run = (text: string) => app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text } });

  it('a failing JSON field is ❌, an expiring certificate ⚠️ with the date, a command in range ✅', async () => {
    healthyCount = 1;
    const r = await run('/health');
    expect(r.status).toBe('failed');
    expect(r.reply.title).toMatch(/^Health — 1 of 3 checks OK, 1 warning \(checked in \d+ ms\)$/);
    expect(r.reply.status).toBe('error');
    const byName = Object.fromEntries(r.reply.rows!.map((row) => [row.cells[0], row]));
    const date = notAfter.toISOString().slice(0, 10);
    expect(byName.litellm).toEqual({ status: 'error', cells: ['litellm', 'json', 'healthy_count is 1, expected ≥ 2', expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/health$/)] });
    expect(byName['api-cert']).toEqual({ status: 'warning', cells: ['api-cert', 'tls', `certificate for localhost expires in 3 days (${date})`, `127.0.0.1:${tlsPort}`] });
    expect(byName.lag).toMatchObject({ status: 'ok', cells: ['lag', 'command', expect.stringMatching(/^\d+ ms$/), expect.stringContaining('node printed 12')] });
    expect(r.reply.text).toBe('Failing: litellm\nWarning: api-cert');
    const text = renderText(r.reply);
    expect(text).toContain('⚠️ api-cert');
    expect(text).toContain('❌ litellm');
    expect(text).toContain('✅ lag');
  });

  it('with nothing failing, a warning makes the card ⚠️ and the command ok', async () => {
    healthyCount = 2;
    const r = await run('/health');
    expect(r.status).toBe('ok');
    expect(r.reply.status).toBe('warning');
    expect(r.reply.title).toMatch(/^Health — 2 of 3 checks OK, 1 warning \(checked in \d+ ms\)$/);
    expect(r.reply.text).toBe('Warning: api-cert');
  });
});
