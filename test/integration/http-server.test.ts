import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, startFirebreak, type Running } from '../../src/main.js';
import { configFrom, testRuntime } from '../support/app.js';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';

describe('HTTP server on PostgreSQL + Redis (production mode)', () => {
  let running: Running;
  let base: string;
  let drop: () => Promise<void>;
  let url: string;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    url = t.url;
    running = await startFirebreak(
      testRuntime({ port: 0, databaseUrl: t.url, redisUrl: REDIS_URL, dataDir: mkdtempSync(join(tmpdir(), 'fb-http-')) }),
      configFrom(`datastores:\n  cache: { type: redis, url: "${REDIS_URL}" }\n`),
      { host: '127.0.0.1' },
    );
    base = `http://127.0.0.1:${running.http.port}`;
  });
  afterAll(async () => {
    await running.close();
    await drop();
  });

  it('GET /healthz answers while the process is up', async () => {
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('runs the background workers its config turns on, in start order: no escalation steps, so no escalation job', async () => {
    expect(running.workers.names).toEqual(['backup schedule', 'health watch', 'maintenance windows', 'alert outbox', 'incident reminders', 'procedure run sweep', 'interrupted step sweep', 'drill sweep']);
  });

  it('GET /readyz reports the store, Redis, the chat platforms and the alert outbox', async () => {
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'store', ok: true },
        { name: 'redis', ok: true },
        { name: 'chat', ok: true },
        { name: 'alert outbox', ok: true },
      ],
    });
  });

  it('GET /metrics counts commands by name and outcome, with durations and process metrics', async () => {
    await running.app.dispatcher.dispatch({ actor: { platform: 'console', id: 'a', name: 'a' }, channel: { platform: 'console', id: 'console', name: 'console' }, input: { kind: 'text', text: '/health' } });
    await running.app.dispatcher.dispatch({ actor: { platform: 'console', id: 'a', name: 'a' }, channel: { platform: 'console', id: 'console', name: 'console' }, input: { kind: 'text', text: '/nope' } });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('firebreak_commands_total{command="health",outcome="ok"} 1');
    expect(text).toContain('firebreak_commands_total{command="(invalid)",outcome="invalid"} 1');
    expect(text).toMatch(/firebreak_command_duration_seconds_count\{command="health"\} 1/);
    expect(text).toContain('process_resident_memory_bytes');
  });

  it('GET /metrics counts commands another process ran on the same database (a CLI in-process on PostgreSQL), read from the store', async () => {
    const recorded = async (command: string, outcome: string) => {
      const text = await (await fetch(`${base}/metrics`)).text();
      const m = new RegExp(`^firebreak_commands_recorded\\{command="${command.replace(/[()]/g, '\\$&')}",outcome="${outcome}"\\} (\\d+)$`, 'm').exec(text);
      return Number(m?.[1] ?? 0);
    };
    const before = { health: await recorded('health', 'ok'), invalid: await recorded('(invalid)', 'invalid') };
    // What `firebreak run` does with DATABASE_URL set: its own app on the same database, not the server's.
    const cli = await buildApp(testRuntime({ databaseUrl: url, dataDir: mkdtempSync(join(tmpdir(), 'fb-http-cli-')) }), configFrom(''), { defaultMetrics: false });
    try {
      const as = { actor: { platform: 'console', id: 'b', name: 'b' }, channel: { platform: 'console', id: 'console', name: 'console' } };
      expect((await cli.dispatcher.dispatch({ ...as, input: { kind: 'text', text: '/health' } })).status).toBe('ok');
      await cli.dispatcher.dispatch({ ...as, input: { kind: 'text', text: '/nope' } });
    } finally {
      await cli.close();
    }
    expect(await recorded('health', 'ok')).toBe(before.health + 1);
    expect(await recorded('(invalid)', 'invalid')).toBe(before.invalid + 1);
  });

  it('unknown routes are 404 and wrong methods 405', async () => {
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('the console endpoint refuses callers without the token', async () => {
    const res = await fetch(`${base}/internal/console/run`, { method: 'POST', body: JSON.stringify({ as: 'x', text: '/health' }) });
    expect(res.status).toBe(401);
  });
});
