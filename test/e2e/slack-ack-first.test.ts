import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
import { ALICE, configYaml, INCIDENTS, startHealthTargets, startSlackRig, type SlackRig } from './slack-harness.js';

async function until(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Slack gives 3 s for the acknowledgement. Nothing the store does may hold it up: here the
 * timeline table is locked by another session, so the command's timeline write waits, and the
 * slash command must still be acknowledged. (Over HTTP a listener that never acks is answered after
 * 2.5 s anyway; the Socket Mode fake refuses an ack later than Slack's 3 s.)
 */
describe.each(['http', 'socket'] as const)('Slack (%s) acknowledges before any store work', (mode) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let targets: Awaited<ReturnType<typeof startHealthTargets>>;
  let rig: SlackRig;

  beforeAll(async () => {
    db = await createTestDatabase();
    targets = await startHealthTargets();
    rig = await startSlackRig(configYaml(targets.url), mode, { databaseUrl: db.url });
  });
  afterAll(async () => {
    await rig?.close();
    await targets?.close();
    await db?.drop();
  });

  it('answers the slash command while its timeline write waits on a lock, and posts the card once the store is free', async () => {
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    // pg_locks, not pg_stat_activity: the latter is a snapshot taken once per transaction.
    const waitingWrites = async () =>
      (await blocker.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE relation = 'timeline_events'::regclass AND NOT granted")).rows[0]!.n;
    let locked = false;
    try {
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE timeline_events IN ACCESS EXCLUSIVE MODE');
      locked = true;
      // Resolves once Slack has its acknowledgement: were that to wait for the store, not while the lock is held.
      await rig.command('/health', 'api');
      // The command is really under way behind the ack: its timeline write is waiting on the lock.
      await until(async () => (await waitingWrites()) > 0);
      const cards = () => [...rig.fake.callsOf('chat.postMessage', true), ...rig.fake.callsOf('chat.update', true)].filter((c) => String(c.args.text ?? '').includes('Health — 1 of 1 check OK'));
      expect(cards()).toEqual([]); // the result is posted only once it is recorded
      await blocker.query('COMMIT');
      locked = false;
      const card = await rig.fake.waitFor(() => cards()[0]);
      expect(card.args.channel).toBe(INCIDENTS.id);
      const recorded = await blocker.query("SELECT actor_id FROM timeline_events WHERE platform = 'slack'");
      expect(recorded.rows).toEqual([{ actor_id: ALICE.id }]);
    } finally {
      if (locked) await blocker.query('ROLLBACK').catch(() => {});
      await blocker.end();
    }
  });
});
