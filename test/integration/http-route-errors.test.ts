import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/core/ports.js';
import { Router, type HttpResponse } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';

describe('a route that fails unexpectedly', () => {
  let server: RunningServer;
  let base: string;
  const logged: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  const logger: Logger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => void logged.push({ obj: obj as Record<string, unknown>, msg }) };

  beforeAll(async () => {
    const router = new Router();
    // Not async: it throws in the request's 'end' listener unless the server calls it inside a promise.
    router.add('POST', '/throws-at-once', (): Promise<HttpResponse> => {
      throw new Error('boom before any await');
    });
    router.add('GET', '/rejects', async () => {
      throw new Error('boom after an await');
    });
    // An answer Node refuses to write: a header value with a newline.
    router.add('GET', '/bad-header', async () => ({ status: 200, headers: { 'x-note': 'one\r\ntwo' }, body: 'x' }));
    router.add('GET', '/things/:id', async (req) => ({ status: 200, body: `${req.params.id}|${req.query.get('q') ?? ''}` }));
    server = await startHttpServer(router, 0, logger, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server?.close();
  });

  it.each([
    ['a handler that throws before its first await', 'POST', '/throws-at-once', 'boom before any await'],
    ['a handler that rejects', 'GET', '/rejects', 'boom after an await'],
    ['an answer with a header Node will not write', 'GET', '/bad-header', 'Invalid character in header content'],
  ])('%s → 500 "internal error", logged with its path, and the server lives', async (_name, method, path, message) => {
    logged.length = 0;
    const res = await fetch(`${base}${path}`, { method, body: method === 'POST' ? '{}' : undefined });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'internal error' });
    expect(logged.map((l) => [l.msg, l.obj.path, (l.obj.err as Error).message])).toEqual([['HTTP handler failed', path, expect.stringContaining(message)]]);
    expect((await fetch(`${base}/things/a`)).status).toBe(200);
  });

  it('malformed escapes in a path parameter and the query reach the route as sent', async () => {
    const res = await fetch(`${base}/things/%E0%A4%A?q=%zz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('%E0%A4%A|%zz');
  });
});
