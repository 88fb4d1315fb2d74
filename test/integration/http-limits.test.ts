import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from '../../src/http/router.js';
import { MAX_BODY_BYTES, startHttpServer, type RunningServer } from '../../src/http/server.js';
import { silentLogger } from '../support/app.js';

/** A raw client, so the test sees what a sender sees on the wire: the status line, or a reset. */
interface RawClient {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves when the server closed the connection, with how (an error code such as ECONNRESET, or "closed"). */
  closed: Promise<string>;
}

function rawClient(port: number): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    let error: string | null = null;
    socket.on('data', (d) => (data += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    const closed = new Promise<string>((r) => socket.once('close', () => r(error ?? 'closed')));
    socket.once('connect', () => resolve({ socket, received: () => data, closed }));
    socket.once('error', reject);
  });
}

/** Writes `total` bytes of body in 64 KB chunks, honouring backpressure; stops quietly if the server hung up. */
async function writeBody(socket: Socket, total: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < total && !socket.destroyed && socket.writable; sent += chunk.length) {
    if (!socket.write(chunk)) await new Promise((r) => { socket.once('drain', r); socket.once('close', r); });
  }
}

const head = (contentLength: number) => `POST /hook HTTP/1.1\r\nHost: firebreak\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;

describe('the HTTP server with oversized and stalled requests', () => {
  let server: RunningServer;
  let stalling: RunningServer;
  const handled: number[] = [];

  beforeAll(async () => {
    const router = new Router();
    router.add('POST', '/hook', async (req) => {
      handled.push(req.rawBody.length);
      return { status: 200, body: 'ok' };
    });
    server = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
    // The same server with a request deadline short enough for a test to wait out.
    stalling = await startHttpServer(router, 0, silentLogger, '127.0.0.1', { requestTimeoutMs: 300, headersTimeoutMs: 300 });
  });
  afterAll(async () => {
    await server?.close();
    await stalling?.close();
  });

  it('a body that declares 10 MB and sends more than 1 MB gets a readable 413, then the connection closes', async () => {
    const client = await rawClient(server.port);
    client.socket.write(head(10 * 1024 * 1024));
    await writeBody(client.socket, MAX_BODY_BYTES + 512 * 1024);
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(client.received()).toMatch(/\r\nconnection: close\r\n/i);
    expect(client.received()).toContain('request body is larger than 1 MB');
    expect(handled).toEqual([]);
  });

  it('a chunked body that grows past 1 MB gets the same 413', async () => {
    const client = await rawClient(server.port);
    client.socket.write('POST /hook HTTP/1.1\r\nHost: firebreak\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = 'a'.repeat(64 * 1024);
    for (let sent = 0; sent <= MAX_BODY_BYTES && client.socket.writable; sent += piece.length) {
      client.socket.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
    }
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(handled).toEqual([]);
  });

  it('a body just under the limit is still handled', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/hook`, { method: 'POST', body: 'x'.repeat(MAX_BODY_BYTES) });
    expect(res.status).toBe(200);
    expect(handled).toEqual([MAX_BODY_BYTES]);
  });

  it('a request that declares 10 MB and stalls is answered 413 at once, not held open', async () => {
    const client = await rawClient(server.port);
    client.socket.write(head(10 * 1024 * 1024));
    client.socket.write('{"partial":');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
  });

  it('a request that declares an allowed body and stalls is answered 408 and closed at the request deadline', async () => {
    const client = await rawClient(stalling.port);
    client.socket.write(head(500 * 1024));
    client.socket.write('{"partial":');
    // Waits for the server to end it; without a request deadline this outlasts the test's timeout.
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('headers that never finish are closed at the deadline too', async () => {
    const client = await rawClient(stalling.port);
    client.socket.write('POST /hook HTTP/1.1\r\nHost: firebreak\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });
});
