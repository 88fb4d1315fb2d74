import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardToServer } from '../../src/chat/console/remote-client.js';

/** A stand-in for `firebreak start`'s console endpoint, to see what the client makes of each answer. */
function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as AddressInfo).port })));
}

const reply = { invocationId: 'inv-1', status: 'ok', reply: { title: 'Health', status: 'ok' }, exitCode: 0 };

describe('forwarding a console command to the running server', () => {
  let server: Server | undefined;
  afterEach(async () => {
    if (server) await new Promise((r) => server!.close(r));
    server = undefined;
  });

  it('waits for a command that runs longer than the connect timeout (only connecting is timed)', async () => {
    const s = await listen((req, res) => {
      req.resume();
      setTimeout(() => res.end(JSON.stringify(reply)), 600);
    });
    server = s.server;
    const out = await forwardToServer({ pid: 1, port: s.port, token: 'x'.repeat(48) }, { as: 'carol', osUser: 'carol', text: '/health', yes: false }, 100);
    expect(out).toEqual({ kind: 'result', result: reply });
  });

  it('a connection lost while the server runs the command says it may have run, not that the server is unreachable', async () => {
    const s = await listen((req) => {
      req.resume();
      // The server dies mid-command (a crash during a rollout): the socket just closes.
      setTimeout(() => req.socket.destroy(), 100);
    });
    server = s.server;
    const out = await forwardToServer({ pid: 1, port: s.port, token: 'x'.repeat(48) }, { as: 'carol', osUser: 'carol', text: '/rollback api', yes: true });
    expect(out.kind).toBe('unreachable');
    expect('message' in out && out.message).toMatch(/was lost while the command ran .*it may have run\. Check the timeline before running it again\.$/);
  });

  it("a 4xx is the server's sentence (bad input); a 5xx and a closed port are failures to run", async () => {
    let status = 401;
    const s = await listen((req, res) => {
      req.resume();
      res.statusCode = status;
      res.end(status === 401 ? JSON.stringify({ error: "The console token does not match the running server's." }) : 'oops');
    });
    server = s.server;
    const info = { pid: 1, port: s.port, token: 'x'.repeat(48) };
    expect(await forwardToServer(info, { as: 'carol', osUser: 'carol', text: '/health', yes: false })).toEqual({ kind: 'refused', message: "The console token does not match the running server's." });
    status = 500;
    expect(await forwardToServer(info, { as: 'carol', osUser: 'carol', text: '/health', yes: false })).toEqual({ kind: 'server-error', message: 'The running Firebreak server failed to run the command (HTTP 500).' });
    await new Promise((r) => s.server.close(r));
    server = undefined;
    expect(await forwardToServer(info, { as: 'carol', osUser: 'carol', text: '/health', yes: false })).toEqual({ kind: 'unreachable', message: `Cannot reach the running Firebreak server on port ${s.port}: connection refused.` });
  });
});
