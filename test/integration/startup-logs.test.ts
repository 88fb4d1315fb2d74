import { afterEach, describe, expect, it } from 'vitest';
import { startSlack } from '../../src/chat/slack/start.js';
import type { Logger } from '../../src/core/ports.js';
import { Router } from '../../src/http/router.js';
import { RedisCoordination } from '../../src/coordination/redis-coordination.js';
import { buildApp } from '../../src/main.js';
import { startSlackFake } from '../fakes/slack-api.js';
import { configFrom, testApp, testRuntime } from '../support/app.js';
import { REDIS_URL } from '../support/postgres.js';
import { borrowStore } from '../support/store-pool.js';

interface Line {
  level: 'debug' | 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}

/** A logger that keeps what it was told, as the JSON lines on stderr would show it. */
function capturingLogger(): Logger & { lines: Line[]; text(): string } {
  const lines: Line[] = [];
  const at = (level: Line['level']) => (obj: object, msg?: string) => void lines.push({ level, obj, msg: msg ?? '' });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), text: () => lines.map((l) => `${l.level} ${l.msg} ${JSON.stringify(l.obj)}`).join('\n') };
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('start-up logs name the real cause, once', () => {
  it('a Redis that refuses the credentials: its own WRONGPASS, logged once however often ioredis retries', async () => {
    const logger = capturingLogger();
    const db = await borrowStore();
    // The local Redis has no password for "default"; an unknown user is refused with WRONGPASS.
    const url = new URL(REDIS_URL);
    url.username = 'no-such-firebreak-user';
    url.password = 'wrong-password';
    const app = await buildApp(testRuntime({ redisUrl: url.toString() }), configFrom(''), { db, logger, defaultMetrics: false });
    cleanups.push(async () => {
      await app.close();
      await db.close();
    });
    const redis = app.coordination as RedisCoordination;
    let reconnects = 0;
    redis.client.on('reconnecting', () => reconnects++);
    // Several retries, each refused the same way.
    await waitFor(() => reconnects >= 3, 'three reconnect attempts');
    await expect(app.coordination.ping()).rejects.toThrow(/WRONGPASS/);

    const redisLines = logger.lines.filter((l) => /redis/i.test(l.msg));
    expect(redisLines).toHaveLength(1);
    expect(redisLines[0]).toMatchObject({ level: 'error' });
    expect(redisLines[0]!.msg).toMatch(/^Redis is unreachable: cannot connect to Redis at [^ ]+: WRONGPASS invalid username-password pair/);
    expect(logger.text()).not.toContain('Connection is closed');
    expect(logger.text()).not.toContain('wrong-password');
  });

  it('a bot token Slack refuses: "Slack refused the bot token (invalid_auth)" and no "Slack connected"', async () => {
    const logger = capturingLogger();
    const fake = await startSlackFake({ botToken: 'xoxb-the-right-token' });
    cleanups.push(() => fake.close());
    const app = await testApp('');
    cleanups.push(() => app.close());
    const slack = await startSlack(
      { botToken: 'xoxb-a-revoked-token', signingSecret: 'secret', apiUrl: fake.apiUrl },
      { dispatcher: app.dispatcher, coordination: app.coordination, deliveries: app.ports.deliveries, logger, redactor: app.ports.redactor, router: new Router() },
    );
    cleanups.push(() => slack!.close());
    expect(fake.callsOf('auth.test').map((c) => c.error)).toEqual(['invalid_auth']);
    const said = logger.lines.map((l) => l.msg);
    expect(said.filter((m) => m.includes('Slack refused the bot token (invalid_auth)'))).toHaveLength(1);
    expect(said.join('\n')).toContain('Slack refused the bot token (invalid_auth): set a valid SLACK_BOT_TOKEN');
    // The cause is said once, not again by the API client.
    expect(said.filter((m) => m.includes('invalid_auth'))).toHaveLength(1);
    expect(said.filter((m) => m.includes('Slack connected'))).toEqual([]);
  });

  it('an accepted bot token: "Slack connected"', async () => {
    const logger = capturingLogger();
    const fake = await startSlackFake({ botToken: 'xoxb-the-right-token' });
    cleanups.push(() => fake.close());
    const app = await testApp('');
    cleanups.push(() => app.close());
    const slack = await startSlack({ botToken: 'xoxb-the-right-token', signingSecret: 'secret', apiUrl: fake.apiUrl }, { dispatcher: app.dispatcher, coordination: app.coordination, deliveries: app.ports.deliveries, logger, redactor: app.ports.redactor, router: new Router() });
    cleanups.push(() => slack!.close());
    expect(logger.lines.map((l) => l.msg)).toContain('Slack connected (HTTP at POST /slack/events)');
    expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
  });
});
