import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tlsCheckSchema } from '../../src/config/schema.js';
import { judgeCertificate, probeTls } from '../../src/integrations/health/tls-probe.js';
import { TestCertificates, type TestCert } from '../support/tls-certs.js';

const DAY = 86_400_000;
const day = (d: Date) => d.toISOString().slice(0, 10);

/** TLS servers on ephemeral ports, each presenting one certificate. */
describe('tls health checks against local TLS servers', () => {
  let certs: TestCertificates;
  const servers: Server[] = [];
  const port: Record<string, number> = {};
  const issued: Record<string, TestCert> = {};

  async function serve(name: string, cert: TestCert): Promise<void> {
    const server = createServer({ key: cert.key, cert: cert.cert }, (socket) => socket.end());
    // A probe that hangs up after the handshake shows up here as a reset; it is not the server's concern.
    server.on('tlsClientError', () => {});
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    port[name] = (server.address() as AddressInfo).port;
    issued[name] = cert;
  }

  beforeAll(async () => {
    certs = new TestCertificates();
    const now = Date.now();
    await serve('fresh', certs.issue(new Date(now - DAY), new Date(now + 60 * DAY + 3_600_000)));
    await serve('soon', certs.issue(new Date(now - DAY), new Date(now + 2 * DAY + 3_600_000)));
    await serve('expired', certs.issue(new Date('2020-01-01T00:00:00Z'), new Date('2020-01-03T00:00:00Z')));
    await serve('self', certs.issue(new Date(now - DAY), new Date(now + 60 * DAY + 3_600_000), { selfSigned: true }));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    certs?.remove();
  });

  const check = (name: string, extra: Record<string, unknown> = {}) =>
    tlsCheckSchema.parse({ type: 'tls', host: '127.0.0.1', port: port[name], servername: 'localhost', ca_file: certs.caFile, ...extra });

  it('is up for a trusted certificate far from expiry, and says until when', async () => {
    const r = await probeTls(check('fresh'));
    expect(r).toMatchObject({ ok: true, target: `127.0.0.1:${port.fresh}`, detail: `certificate for localhost valid until ${day(issued.fresh!.notAfter)} (60 days)` });
    expect(r.warning).toBeUndefined();
  });

  it('warns, still up, when the certificate expires within warn_days', async () => {
    const r = await probeTls(check('soon'));
    expect(r).toMatchObject({ ok: true, warning: true, detail: `certificate for localhost expires in 2 days (${day(issued.soon!.notAfter)})` });
    // With a shorter warning window the same certificate is simply up.
    const relaxed = await probeTls(check('soon', { warn_days: 1 }));
    expect(relaxed).toMatchObject({ ok: true, detail: expect.stringMatching(/^certificate for localhost valid until/) });
    expect(relaxed.warning).toBeUndefined();
  });

  it('fails an expired certificate and says when it expired, verified or not', async () => {
    const r = await probeTls(check('expired'));
    expect(r.ok).toBe(false);
    expect(r.detail).toMatch(/^certificate for localhost expired \d+ days ago \(2020-01-03\)$/);
    const insecure = await probeTls(check('expired', { insecure: true, ca_file: undefined }));
    expect(insecure).toMatchObject({ ok: false, detail: r.detail });
  });

  it('fails a self-signed certificate unless insecure: true, which checks only the expiry', async () => {
    const r = await probeTls(check('self'));
    expect(r).toMatchObject({ ok: false, detail: 'certificate for localhost is not trusted: it is self-signed' });
    const insecure = await probeTls(check('self', { insecure: true, ca_file: undefined }));
    expect(insecure).toMatchObject({ ok: true, detail: expect.stringMatching(/^certificate for localhost valid until/) });
  });

  it('fails a certificate from a CA Node does not trust (no ca_file)', async () => {
    const r = await probeTls(check('fresh', { ca_file: undefined }));
    expect(r).toMatchObject({ ok: false, detail: 'certificate for localhost is not trusted: its issuer is not trusted (an intermediate certificate missing, or an internal CA: set ca_file)' });
  });

  it('fails a certificate for another name (SNI servername checked against it)', async () => {
    const r = await probeTls(check('fresh', { servername: 'api.example.com' }));
    expect(r).toMatchObject({ ok: false, detail: 'certificate for api.example.com is not trusted: it is not for this name' });
  });

  it('says what happened when nothing listens or the CA file is missing', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const r = await probeTls(tlsCheckSchema.parse({ type: 'tls', host: '127.0.0.1', port: closedPort, insecure: true }));
    expect(r).toMatchObject({ ok: false, detail: 'connection refused', target: `127.0.0.1:${closedPort}` });
    const missing = await probeTls(check('fresh', { ca_file: `${certs.dir}/nope.pem` }));
    expect(missing.detail).toBe(`ca_file ${certs.dir}/nope.pem cannot be read (ENOENT); fix the path or the file's permissions`);
  });
});

describe('the certificate verdict', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  const cert = (validTo: string) => ({ validFrom: new Date('2026-01-01T00:00:00Z'), validTo: new Date(validTo) });
  const trusted = { authorized: true };

  it('words each case for the card', () => {
    expect(judgeCertificate({ warn_days: 14, insecure: false }, 'api.example', cert('2026-12-10T13:00:00Z'), trusted, now)).toEqual({ ok: true, warning: true, detail: 'certificate for api.example expires in 3 days (2026-12-10)' });
    expect(judgeCertificate({ warn_days: 14, insecure: false }, 'api.example', cert('2026-12-07T18:00:00Z'), trusted, now)).toEqual({ ok: true, warning: true, detail: 'certificate for api.example expires in less than a day (2026-12-07)' });
    expect(judgeCertificate({ warn_days: 14, insecure: false }, 'api.example', cert('2026-12-06T12:00:00Z'), trusted, now)).toEqual({ ok: false, detail: 'certificate for api.example expired 1 day ago (2026-12-06)' });
    expect(judgeCertificate({ warn_days: 0, insecure: false }, 'api.example', cert('2026-12-10T13:00:00Z'), trusted, now)).toEqual({ ok: true, detail: 'certificate for api.example valid until 2026-12-10 (3 days)' });
    expect(judgeCertificate({ warn_days: 14, insecure: false }, 'a', { validFrom: new Date('2027-01-01T00:00:00Z'), validTo: new Date('2028-01-01T00:00:00Z') }, trusted, now)).toEqual({ ok: false, detail: 'certificate for a is not valid until 2027-01-01' });
  });
});
