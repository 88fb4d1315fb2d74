import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandCheckSchema, jsonCheckSchema } from '../../src/config/schema.js';
import { probeCommand } from '../../src/integrations/health/command-probe.js';
import { probeJson } from '../../src/integrations/health/json-probe.js';
import { PG_ADMIN_URL } from '../support/postgres.js';

const tool = (...args: string[]) => ['node', 'test/fakes/health-tool.mjs', ...args];

describe('command health checks (through the argv runner)', () => {
  // Node's own start-up can take seconds on a busy machine; the timeout test sets its own.
  const probe = (c: Record<string, unknown>) => probeCommand(commandCheckSchema.parse({ type: 'command', timeout_ms: 15_000, ...c }));

  it('is up when the exit code is expected, and shows the first line it printed', async () => {
    const r = await probe({ argv: tool('--print', '127.0.0.1:5432 - accepting connections') });
    expect(r).toMatchObject({ ok: true, detail: '127.0.0.1:5432 - accepting connections', target: 'node test/fakes/health-tool.mjs --print 127.0.0.1:5432 - accepting connections' });
  });

  it('fails on any other exit code and says which, with the line that explains it', async () => {
    const r = await probe({ argv: tool('--stderr', 'no response', '--exit', '2') });
    expect(r).toMatchObject({ ok: false, detail: 'node exited with code 2 (expected 0): no response' });
    const allowed = await probe({ argv: tool('--exit', '1'), expect_exit: [0, 1] });
    expect(allowed.ok).toBe(true);
    const listed = await probe({ argv: tool('--exit', '3'), expect_exit: [0, 1] });
    expect(listed.detail).toBe('node exited with code 3 (expected one of 0, 1)');
  });

  it('holds the first number printed to max / min', async () => {
    expect(await probe({ argv: tool('--print', 'total lag: 42 messages'), max: 1000 })).toMatchObject({ ok: true, detail: 'node printed 42' });
    expect(await probe({ argv: tool('--print', 'total lag: 1500 messages'), max: 1000 })).toMatchObject({ ok: false, detail: 'node printed 1500, expected ≤ 1000' });
    expect(await probe({ argv: tool('--print', '0.5'), min: 1, max: 5 })).toMatchObject({ ok: false, detail: 'node printed 0.5, expected between 1 and 5' });
    expect(await probe({ argv: tool('--print', 'no lag data'), max: 10 })).toMatchObject({ ok: false, detail: 'node printed no number to compare (expected ≤ 10): no lag data' });
  });

  it('says when the program is missing or too slow', async () => {
    expect(await probe({ argv: ['no-such-health-tool-xyz'] })).toMatchObject({ ok: false, detail: 'no-such-health-tool-xyz is not installed on the Firebreak host (or not on its PATH).' });
    const slow = await probe({ argv: tool('--sleep', '10000'), timeout_ms: 300 });
    expect(slow).toMatchObject({ ok: false, detail: 'timeout after 300 ms (node was stopped)' });
  });

  it('runs pg_isready against the machine’s PostgreSQL, and fails it against a closed port', async () => {
    const pg = new URL(PG_ADMIN_URL);
    const up = await probe({ argv: ['pg_isready', '-h', pg.hostname, '-p', pg.port || '5432'] });
    expect(up).toMatchObject({ ok: true, detail: `${pg.hostname}:${pg.port || '5432'} - accepting connections` });
    const down = await probe({ argv: ['pg_isready', '-h', '127.0.0.1', '-p', '1', '-t', '2'] });
    expect(down).toMatchObject({ ok: false, detail: 'pg_isready exited with code 2 (expected 0): 127.0.0.1:1 - no response' });
  });
});

describe('json health checks against a local JSON endpoint', () => {
  let server: Server;
  let base: string;
  let healthyCount = 2;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/health') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ healthy_count: healthyCount, unhealthy_count: 3 - healthyCount, services: { litellm: { status: healthyCount >= 2 ? 'healthy' : 'degraded' } } }));
      } else if (req.url === '/html') {
        res.end('<html>maintenance</html>');
      } else if (req.url === '/big') {
        res.end(`{"pad":"${'x'.repeat(1024 * 1024 + 10)}"}`);
      } else {
        res.statusCode = 503;
        res.end('{}');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  const probe = (c: Record<string, unknown>) => probeJson(jsonCheckSchema.parse({ type: 'json', url: `${base}/health`, ...c }));

  it('compares a number with min and max, and says the value', async () => {
    healthyCount = 2;
    expect(await probe({ path: '.healthy_count', min: 2 })).toMatchObject({ ok: true, detail: 'healthy_count is 2', target: `${base}/health` });
    healthyCount = 1;
    expect(await probe({ path: '.healthy_count', min: 2 })).toMatchObject({ ok: false, detail: 'healthy_count is 1, expected ≥ 2' });
    expect(await probe({ path: '.unhealthy_count', max: 0 })).toMatchObject({ ok: false, detail: 'unhealthy_count is 2, expected ≤ 0' });
  });

  it('compares a nested field with a value', async () => {
    healthyCount = 2;
    expect(await probe({ path: '.services.litellm.status', equals: 'healthy' })).toMatchObject({ ok: true, detail: 'services.litellm.status is "healthy"' });
    healthyCount = 1;
    expect(await probe({ path: '.services.litellm.status', equals: 'healthy' })).toMatchObject({ ok: false, detail: 'services.litellm.status is "degraded", expected "healthy"' });
  });

  it('fails with a reason for a missing field, a string where a number is wanted, HTML, a bad status, a huge body', async () => {
    expect(await probe({ path: '.services.redis.status', equals: 'healthy' })).toMatchObject({ ok: false, detail: 'services.redis.status is not in the response' });
    expect(await probe({ path: '.services.litellm.status', min: 1 })).toMatchObject({ ok: false, detail: expect.stringMatching(/^services\.litellm\.status is "\w+", not a number \(expected ≥ 1\)$/) });
    expect(await probe({ url: `${base}/html`, path: '.a', equals: 1 })).toMatchObject({ ok: false, detail: 'HTTP 200 but the response is not JSON: <html>maintenance</html>' });
    expect(await probe({ url: `${base}/down`, path: '.a', equals: 1 })).toMatchObject({ ok: false, detail: 'HTTP 503 Service Unavailable (expected 200)' });
    expect(await probe({ url: `${base}/big`, path: '.pad', equals: 1 })).toMatchObject({ ok: false, detail: 'the response is larger than 1 MB; a health document should be small' });
  });
});
