import { createServer, type ServerResponse } from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../support/postgres.js';
import { waitFor } from '../support/wait.js';
import { ALICE, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

/** A health target that answers only when told to: a /health against it stays running until then. */
async function startHeldTarget() {
  const held: ServerResponse[] = [];
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    held.push(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no address');
  return {
    url: `http://127.0.0.1:${address.port}`,
    get requests() {
      return requests;
    },
    release() {
      for (const res of held.splice(0)) res.writeHead(200).end('ok');
    },
    async close() {
      this.release();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * Admission control (chat.max_waiting): with that many commands still running, a new slash command
 * is refused in its acknowledgement with a sentence saying so, and nothing of it runs or is recorded;
 * once the running one is done, commands run again.
 */
describe('Slack: past chat.max_waiting a command is refused as busy', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let target: Awaited<ReturnType<typeof startHeldTarget>>;
  let rig: SlackRig;

  beforeAll(async () => {
    db = await createTestDatabase();
    target = await startHeldTarget();
    const config = `
chat:
  incidents_channel: incidents
  max_waiting: 1
services:
  api:
    health: { type: http, url: "${target.url}/held", timeout_ms: 60000 }
`;
    rig = await startSlackRig(config, 'http', { databaseUrl: db.url });
  });
  afterAll(async () => {
    target?.release();
    await rig?.close();
    await target?.close();
    await db?.drop();
  });

  it('answers the second /health with the busy message while the first runs, runs nothing of it, and runs the next one once the first is done', async () => {
    const recorded = async () => {
      const c = new pg.Client({ connectionString: db.url });
      await c.connect();
      try {
        return (await c.query<{ text: string; actor_id: string }>("SELECT text, actor_id FROM timeline_events WHERE platform = 'slack' ORDER BY id")).rows;
      } finally {
        await c.end();
      }
    };
    // A result is posted, or edited into its "Running…" message when it took longer than the fast window.
    const cards = () => [...rig.fake.callsOf('chat.postMessage', true), ...rig.fake.callsOf('chat.update', true)].filter((c) => String(c.args.text ?? '').includes('Health — 1 of 1 check OK'));

    const first = await rig.slash('/health', 'api');
    expect(first.res.status).toBe(200);
    expect(await first.res.text()).toBe('');
    // The first is running: its health check is waiting on the target.
    await waitFor(() => target.requests === 1, 20_000, 'the first /health to reach its target');

    const second = await rig.slash('/health', 'api');
    expect(second.res.status).toBe(200);
    expect(await second.res.json()).toEqual({ response_type: 'ephemeral', text: 'Firebreak is busy: 1 command waiting; try again in a few seconds.' });

    target.release();
    await waitFor(() => cards().length === 1, 20_000, "the first /health's card");
    await rig.slack.idle();
    // Only the first ran: one check of the target, one card, one timeline row.
    expect(target.requests).toBe(1);
    expect(cards()).toHaveLength(1);
    expect(await recorded()).toEqual([{ text: '/health api', actor_id: ALICE.id }]);
    expect(rig.fake.responsePosts.filter((p) => p.id === second.trigger)).toEqual([]);

    // Nothing is running any more: the next command is admitted and runs.
    const third = await rig.slash('/health', 'api');
    expect(await third.res.text()).toBe('');
    await waitFor(() => target.requests === 2, 20_000, 'the third /health to reach its target');
    target.release();
    await waitFor(() => cards().length === 2, 20_000, "the third /health's card");
    expect(cards().map((c) => c.args.channel)).toEqual([INCIDENTS.id, INCIDENTS.id]);
  });
});
