import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, REDIS_URL } from '../support/postgres.js';
import type { SlackFake } from '../fakes/slack-api.js';
import { slashCommandBody } from '../fakes/slack-signing.js';
import { ALICE, configYaml, nextTrigger, startDefaultFake, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';

/**
 * Two replicas on one PostgreSQL and one Redis behind the same Slack app: a delivery that reaches
 * both (a retry landing on the other replica) runs once, because the dedupe key lives in Redis.
 */
describe('Slack with two replicas (PostgreSQL + Redis)', () => {
  let fake: SlackFake;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;
  const replicas: SlackRig[] = [];

  beforeAll(async () => {
    targets = await startHealthTargets();
    fake = await startDefaultFake();
    db = await createTestDatabase('fb_slack');
    for (let i = 0; i < 2; i++) replicas.push(await startSlackRig(configYaml(targets.url), 'http', { fake, databaseUrl: db.url, redisUrl: REDIS_URL }));
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await fake?.close();
    await db?.drop();
    await targets?.close();
  });

  it('the same delivery on both replicas (and retried) runs once and records one event', async () => {
    const channel = { id: 'CINCREPL', name: 'inc-replicas' };
    const trigger = nextTrigger();
    const body = slashCommandBody({ command: '/health', text: 'api', user_id: ALICE.id, user_name: ALICE.name, channel_id: channel.id, channel_name: channel.name, trigger_id: trigger, response_url: fake.responseUrl(trigger) });
    const answers = await Promise.all([
      replicas[0]!.post(body),
      replicas[1]!.post(body, { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } }),
      replicas[1]!.post(body, { headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_timeout' } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    await fake.waitFor(() => fake.callsOf('chat.postMessage', true).find((c) => c.args.channel === channel.id));
    for (const r of replicas) await r.slack.idle();
    expect(fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel.id)).toHaveLength(1);
    const events = (await replicas[0]!.running.app.ports.timeline.list({ limit: 500 })).filter((e) => e.channel?.id === channel.id);
    expect(events.map((e) => e.kind)).toEqual(['command']);
    expect(replicas[0]!.running.app.coordination.kind).toBe('redis');
  });
});
