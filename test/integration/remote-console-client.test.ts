import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardToCurrentServer, forwardToServer } from '../../src/chat/console/remote-client.js';

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

describe('a console left open while the server restarts', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  });
  const body = { as: 'carol', osUser: 'carol', text: '/health', yes: false };
  // Answers only requests carrying its own token, as the real endpoint does.
  async function server(token: string) {
    const s = await listen((req, res) => {
      req.resume();
      if (req.headers['x-firebreak-token'] !== token) {
        res.statusCode = 401;
        res.end(JSON.stringify({ error: "The console token does not match the running server's: is FIREBREAK_DATA_DIR the same as the server's?" }));
        return;
      }
      res.end(JSON.stringify(reply));
    });
    servers.push(s.server);
    return s.port;
  }

  it('same port, new token: re-reads the token and runs the command', async () => {
    const port = await server('n'.repeat(48));
    const fresh = { pid: 2, port, token: 'n'.repeat(48) };
    const sent = await forwardToCurrentServer({ pid: 1, port, token: 'o'.repeat(48) }, () => fresh, body);
    expect(sent).toEqual({ outcome: { kind: 'result', result: reply }, info: fresh });
  });

  it('new port (the old one refuses connections): re-reads and runs the command on the new server', async () => {
    const old = await listen(() => {});
    const oldPort = old.port;
    await new Promise((r) => old.server.close(r));
    const fresh = { pid: 2, port: await server('n'.repeat(48)), token: 'n'.repeat(48) };
    const sent = await forwardToCurrentServer({ pid: 1, port: oldPort, token: 'o'.repeat(48) }, () => fresh, body);
    expect(sent.outcome).toEqual({ kind: 'result', result: reply });
  });

  it('a token that still does not match after re-reading says to restart the console', async () => {
    const port = await server('n'.repeat(48));
    const stale = { pid: 1, port, token: 'o'.repeat(48) };
    const sent = await forwardToCurrentServer(stale, () => stale, body);
    expect(sent.outcome).toEqual({ kind: 'refused', message: "The console token does not match the running server's, and the data dir holds no newer one: restart the console (with the same FIREBREAK_DATA_DIR as the server)." });
  });
});

