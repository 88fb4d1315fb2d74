import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFirebreak, type Running } from '../../src/main.js';
import type { ConsoleMessage } from '../../src/core/console-messages.js';
import { configFrom, testRuntime } from '../support/app.js';

/** A port on which nothing listens: connection refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as { port: number };
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/**
 * `firebreak start` wires the health watch and escalation: a service that refuses connections
 * becomes a stored HealthCheckFailing alert, and its escalation step is posted on the console
 * platform (no Slack or Discord configured), mentioning the on-call. Real timers, so this waits
 * (for a condition, with a generous deadline) through one 5 s watch interval.
 */
describe('firebreak start: health watch → alert → escalation', () => {
  let running: Running;
  let dataDir: string;
  let port: number;

  beforeAll(async () => {
    port = await closedPort();
    dataDir = mkdtempSync(join(tmpdir(), 'fb-watch-'));
    running = await startFirebreak(
      testRuntime({ port: 0, dataDir }),
      configFrom(`
services:
  api: { health: { type: http, url: "http://127.0.0.1:${port}/health", timeout_ms: 1000 } }
alerts:
  watch: { interval_s: 5, failure_threshold: 1 }
  escalation:
    - { after_min: 0, mention: [console:bob] }
`),
      { host: '127.0.0.1' },
    );
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('raises the alert in the store and posts the escalation step, mentioning bob', async () => {
    const deadline = Date.now() + 30_000;
    let step: ConsoleMessage | undefined;
    while (!step && Date.now() < deadline) {
      const { messages } = await running.app.consoleMessages.changesSince(0, 'tester');
      step = messages.find((m) => m.reply.title.startsWith('HealthCheckFailing (api) unacknowledged'));
      if (!step) await new Promise((r) => setTimeout(r, 200));
    }
    expect(step, 'the escalation message within 30 s').toBeDefined();
    expect(step!.channel?.name).toBe('incidents');
    expect(step!.reply.mentions).toEqual([{ platform: 'console', kind: 'user', id: 'bob' }]);
    expect(step!.reply.text).toContain(`api health check failing: connection refused (http://127.0.0.1:${port}/health)`);
    const [group] = await running.app.ports.alerts.firing();
    expect(group).toMatchObject({ groupKey: 'watch:api', alertname: 'HealthCheckFailing', escalated: [0] });
  });
});
