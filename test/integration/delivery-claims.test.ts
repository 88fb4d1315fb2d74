import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { ButtonRegistry } from '../../src/core/button-handlers.js';
import { coreButtons } from '../../src/core/buttons/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/commands/index.js';
import { FallbackDeliveryClaims } from '../../src/coordination/fallback-claims.js';
import { RedisCoordination } from '../../src/coordination/redis-coordination.js';
import { deliveryMutates, type ChatDelivery } from '../../src/core/delivery-claims.js';
import type { InvocationInput } from '../../src/core/dispatcher.js';
import { Redactor } from '../../src/core/redact.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { SqlDeliveryClaimRepository } from '../../src/store/delivery-claim-repository.js';
import type { Db } from '../../src/store/db.js';
import { SqlTimelineRepository } from '../../src/store/timeline-repository.js';
import { TimelineRecorder } from '../../src/core/timeline.js';
import { silentLogger } from '../support/app.js';
import { REDIS_URL } from '../support/postgres.js';
import { borrowStore } from '../support/store-pool.js';

const registry = new CommandRegistry(commands);
const buttons = new ButtonRegistry(coreButtons);

async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

describe('which deliveries count as mutating', () => {
  it.each<[string, InvocationInput, boolean]>([
    ['/health', { kind: 'text', text: '/health api' }, false],
    ['/status', { kind: 'options', command: 'status', args: {} }, false],
    ['/restart', { kind: 'text', text: '/restart api' }, true],
    ['/run', { kind: 'options', command: 'run', args: {} }, true],
    ['a Re-check button', { kind: 'action', actionId: 'run:/health api' }, false],
    ['a run: button that restarts', { kind: 'action', actionId: 'run:/restart api' }, true],
    ['Confirm', { kind: 'action', actionId: 'confirm:4f1c' }, true],
    ['Cancel', { kind: 'action', actionId: 'cancel:4f1c' }, true],
    ['a button of an unknown kind', { kind: 'action', actionId: 'ack:alert-1' }, true],
    ['an unknown command', { kind: 'text', text: '/frobnicate' }, false],
    ['unparseable text', { kind: 'text', text: '/health "api' }, false],
  ])('%s → %s', (_name, input, mutating) => {
    expect(deliveryMutates(registry, buttons, input)).toBe(mutating);
  });
});

describe('delivery claims across Redis going down and coming back (one store, as replicas share one)', () => {
  let db: Db;
  let up: RedisCoordination;
  let down: RedisCoordination;
  let withRedis: FallbackDeliveryClaims;
  let withoutRedis: FallbackDeliveryClaims;
  let timeline: TimelineRecorder;

  beforeAll(async () => {
    db = await borrowStore();
    timeline = new TimelineRecorder(new SqlTimelineRepository(db), new Redactor([]));
    const store = new SqlDeliveryClaimRepository(db);
    up = await new RedisCoordination(REDIS_URL, { prefix: `firebreak-test-${randomUUID()}:` }).connect();
    down = new RedisCoordination(`redis://127.0.0.1:${await closedPort()}`);
    const deps = { store, registry, buttons, timeline, redactor: new Redactor([]), logger: silentLogger };
    withRedis = new FallbackDeliveryClaims({ ...deps, coordination: up });
    withoutRedis = new FallbackDeliveryClaims({ ...deps, coordination: down });
  });
  afterAll(async () => {
    await up?.close();
    await down?.close();
    await db?.close();
  });

  const delivery = (input: InvocationInput): ChatDelivery => ({
    key: `test:${randomUUID()}`,
    ttlMs: 60_000,
    input,
    actor: { platform: 'slack', id: 'UALICE', name: 'alice' },
    channel: { platform: 'slack', id: 'CINC', name: 'incidents' },
  });

  it('a mutating delivery first seen while Redis was up is a repeat once Redis is down', async () => {
    const d = delivery({ kind: 'text', text: '/restart api' });
    expect(await withRedis.claim(d)).toEqual({ run: true });
    expect(await withoutRedis.claim(d)).toEqual({ run: false, why: 'repeat' });
  });

  it('a mutating delivery first seen while Redis was down is a repeat once Redis is back', async () => {
    const d = delivery({ kind: 'action', actionId: 'confirm:abc' });
    expect(await withoutRedis.claim(d)).toEqual({ run: true });
    expect(await withoutRedis.claim(d)).toEqual({ run: false, why: 'repeat' });
    expect(await withRedis.claim(d)).toEqual({ run: false, why: 'repeat' });
  });

  it('a read-only delivery runs without the check while Redis is down, and is deduplicated again when it is up', async () => {
    const d = delivery({ kind: 'text', text: '/health' });
    expect(await withoutRedis.claim(d)).toEqual({ run: true });
    expect(await withoutRedis.claim(d)).toEqual({ run: true });
    expect(await withRedis.claim(d)).toEqual({ run: true });
    expect(await withRedis.claim(d)).toEqual({ run: false, why: 'repeat' });
  });

  it('an expired key is free again (a 3 s double-click window does not last)', async () => {
    const d = { ...delivery({ kind: 'action', actionId: 'confirm:def' }), ttlMs: 1 };
    expect(await withoutRedis.claim(d)).toEqual({ run: true });
    await db.query("UPDATE delivery_claims SET expires_at = now() - interval '1 second' WHERE key = $1", [d.key]);
    expect(await withoutRedis.claim(d)).toEqual({ run: true });
  });

  it('nothing was refused, so nothing is recorded as refused', async () => {
    expect((await timeline.list({ limit: 1000 })).filter((e) => e.kind === 'command.refused')).toEqual([]);
  });
});
