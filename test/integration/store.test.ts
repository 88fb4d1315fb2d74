import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { loadMigrations, migrate } from '../../src/store/migrate.js';
import { openPglite } from '../../src/store/pglite-db.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { SqlTimelineRepository } from '../../src/store/timeline-repository.js';
import { SqlLeaseRepository } from '../../src/store/lease-repository.js';
import { SqlConfirmationRepository } from '../../src/store/confirmation-repository.js';
import { createTestDatabase } from '../support/postgres.js';
import { alice, bob, consoleChan } from '../support/app.js';

interface Backend {
  name: string;
  open(): Promise<{ db: Db; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'PostgreSQL 127.0.0.1',
    async open() {
      const t = await createTestDatabase();
      const db = await openPostgres(t.url);
      return { db, cleanup: async () => { await db.close(); await t.drop(); } };
    },
  },
  {
    name: 'embedded PGlite',
    async open() {
      const db = await openPglite();
      return { db, cleanup: () => db.close() };
    },
  },
];

describe.each(backends)('store on $name', (backend) => {
  let db: Db;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ db, cleanup } = await backend.open());
  });
  afterAll(() => cleanup());

  it('migrates an empty database, records every migration, and a re-run changes nothing', async () => {
    const all = loadMigrations();
    const first = await migrate(db);
    expect(first).toEqual(all.map((m) => m.version));
    const recorded = await db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(recorded.map((r) => r.version)).toEqual(all.map((m) => m.version));
    expect(await migrate(db)).toEqual([]);
    const tables = await db.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['confirmations', 'leases', 'schema_migrations', 'timeline_events']));
  });

  it('rolls a failing migration back whole and leaves the version unrecorded', async () => {
    const bad = [{ version: 9001, name: 'broken', sql: 'CREATE TABLE half_done (id int); SELECT * FROM no_such_table;' }];
    await expect(migrate(db, bad)).rejects.toThrow(/migration 9001_broken failed: .*no_such_table/);
    const rows = await db.query("SELECT 1 FROM information_schema.tables WHERE table_name = 'half_done'");
    expect(rows).toEqual([]);
    expect(await db.query('SELECT 1 FROM schema_migrations WHERE version = 9001')).toEqual([]);
  });

  it('appends timeline events and reads them back in order with argv, exit code and detail', async () => {
    const repo = new SqlTimelineRepository(db);
    await repo.append({ invocationId: 'inv-1', kind: 'command', actor: alice, channel: consoleChan, command: 'health', text: '/health', outcome: 'ok', detail: { n: 1 } });
    await repo.append({ invocationId: 'inv-1', kind: 'action.finished', actor: bob, channel: null, argv: ['kubectl', 'rollout', 'undo'], exitCode: 0, durationMs: 48_000, output: 'rolled back\u0000' });
    const events = await repo.list({ invocationId: 'inv-1' });
    expect(events.map((e) => e.kind)).toEqual(['command', 'action.finished']);
    expect(events[0]).toMatchObject({ actor: alice, channel: consoleChan, command: 'health', outcome: 'ok', detail: { n: 1 } });
    expect(events[1]).toMatchObject({ argv: ['kubectl', 'rollout', 'undo'], exitCode: 0, durationMs: 48_000, output: 'rolled back', channel: null });
    expect(events[0]!.at).toBeInstanceOf(Date);
  });

  it('writes concurrent appends together when grouped, each stored in order before its caller hears, and a refused row fails only its own', async () => {
    let inserts = 0;
    const counting: Db = Object.assign(Object.create(db) as Db, {
      query: (sql: string, params?: unknown[]) => {
        if (sql.startsWith('INSERT INTO timeline_events')) inserts++;
        return db.query(sql, params);
      },
    });
    const repo = new SqlTimelineRepository(counting, { groupCommit: true });
    const n = 40;
    const appended = await Promise.all(
      Array.from({ length: n }, (_, i) => repo.append({ invocationId: `grouped-${i}`, kind: 'command', actor: alice, channel: consoleChan, command: 'health', text: `/health ${i}`, outcome: 'ok', detail: { i } })),
    );
    expect(appended.map((e) => e.invocationId)).toEqual(Array.from({ length: n }, (_, i) => `grouped-${i}`));
    expect(appended.map((e) => e.detail)).toEqual(Array.from({ length: n }, (_, i) => ({ i })));
    // In the order they were asked for, and fewer statements than rows (the first goes alone, the rest wait for it).
    const ids = appended.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    expect(inserts).toBeLessThan(n);
    const stored = await db.query<{ invocation_id: string }>(`SELECT invocation_id FROM timeline_events WHERE invocation_id LIKE 'grouped-%' ORDER BY id`);
    expect(stored.map((r) => r.invocation_id)).toEqual(appended.map((e) => e.invocationId));

    // kind is NOT NULL: that row is refused, the others in its batch are stored.
    const results = await Promise.allSettled([
      repo.append({ invocationId: 'batch-a', kind: 'command', actor: alice, channel: null }),
      repo.append({ invocationId: 'batch-b', kind: 'command', actor: alice, channel: null }),
      repo.append({ invocationId: 'batch-bad', kind: null as unknown as 'command', actor: alice, channel: null }),
      repo.append({ invocationId: 'batch-c', kind: 'command', actor: alice, channel: null }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const after = await db.query<{ invocation_id: string }>(`SELECT invocation_id FROM timeline_events WHERE invocation_id LIKE 'batch-%' ORDER BY invocation_id`);
    expect(after.map((r) => r.invocation_id)).toEqual(['batch-a', 'batch-b', 'batch-c']);
  });

  it('a grouped insert whose answer is lost (not refused) fails its batch without trying the rows again, so none is stored twice', async () => {
    let lose = false;
    const lossy: Db = Object.assign(Object.create(db) as Db, {
      query: async (sql: string, params?: unknown[]) => {
        const out = await db.query(sql, params);
        // Committed, then the connection dropped before the answer came back.
        if (lose && sql.startsWith('INSERT INTO timeline_events') && sql.includes('), (')) throw Object.assign(new Error('connection terminated unexpectedly'), { code: '08006' });
        return out;
      },
    });
    const repo = new SqlTimelineRepository(lossy, { groupCommit: true });
    lose = true;
    const results = await Promise.allSettled(['lost-a', 'lost-b', 'lost-c', 'lost-d'].map((id) => repo.append({ invocationId: id, kind: 'command', actor: alice, channel: null })));
    // The first went alone; the three that queued behind it went together and were told it failed.
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    const stored = await db.query<{ invocation_id: string }>(`SELECT invocation_id FROM timeline_events WHERE invocation_id LIKE 'lost-%' ORDER BY invocation_id`);
    expect(stored.map((r) => r.invocation_id)).toEqual(['lost-a', 'lost-b', 'lost-c', 'lost-d']);
  });

  it('gives a lease to one holder at a time and to the next once released or expired', async () => {
    const leases = new SqlLeaseRepository(db);
    const h1 = { id: 'h1', actorName: 'alice', description: 'rollback api' };
    const h2 = { id: 'h2', actorName: 'bob', description: 'scale api' };
    const [a, b] = await Promise.all([leases.acquire('service:api', h1, 60_000), leases.acquire('service:api', h2, 60_000)]);
    expect([a.acquired, b.acquired].filter(Boolean)).toHaveLength(1);
    const loser = a.acquired ? b : a;
    const winner = a.acquired ? h1 : h2;
    expect(loser.acquired === false && loser.heldBy.actorName).toBe(winner.actorName);
    expect(await leases.renew('service:api', 'someone-else', 60_000)).toBe(false);
    expect(await leases.renew('service:api', winner.id, 60_000)).toBe(true);
    await leases.release('service:api', 'someone-else');
    expect((await leases.acquire('service:api', { id: 'h3', actorName: 'carol', description: 'x' }, 60_000)).acquired).toBe(false);
    await leases.release('service:api', winner.id);
    expect((await leases.acquire('service:api', { id: 'h3', actorName: 'carol', description: 'x' }, 1)).acquired).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    // expired after 1 ms: a crashed holder does not block the service forever
    expect((await leases.acquire('service:api', { id: 'h4', actorName: 'dave', description: 'x' }, 60_000)).acquired).toBe(true);
  });

  it('lets exactly one decision win on a confirmation, and refuses expired ones', async () => {
    const repo = new SqlConfirmationRepository(db);
    const plan = { action: 'x', payload: {}, title: 'Do x?', lease: 'k', role: 'responders' };
    await repo.create({ id: 'c1', invocationId: 'i', command: 'bump', plan, requestedBy: alice, channel: consoleChan, expiresAt: new Date(Date.now() + 60_000) });
    const results = await Promise.all([repo.decide('c1', 'confirmed', alice), repo.decide('c1', 'confirmed', bob), repo.decide('c1', 'cancelled', bob)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await repo.get('c1'))?.status).not.toBe('pending');
    await repo.create({ id: 'c2', invocationId: 'i', command: 'bump', plan, requestedBy: alice, channel: consoleChan, expiresAt: new Date(Date.now() - 1000) });
    expect(await repo.decide('c2', 'confirmed', bob)).toBeNull();
    expect((await repo.get('c2'))?.status).toBe('pending');
  });

  it('a confirmed step is unfinished until its process marks it finished, and only one sweeper marks an orphan interrupted', async () => {
    const repo = new SqlConfirmationRepository(db);
    const plan = { action: 'x', payload: {}, title: 'Scale api to 3?', lease: 'service:api', role: 'responders' };
    for (const id of ['s1', 's2']) {
      await repo.create({ id, invocationId: `inv-${id}`, command: 'scale', plan, requestedBy: alice, channel: consoleChan, expiresAt: new Date(Date.now() + 60_000) });
      await repo.decide(id, 'confirmed', bob);
    }
    expect((await repo.unfinished()).map((c) => c.id)).toEqual(expect.arrayContaining(['s1', 's2']));
    // s1's process finished it: no sweeper may call it interrupted afterwards.
    await repo.markFinished('s1');
    expect(await repo.markInterrupted('s1')).toBeNull();
    // s2's process died: three replicas sweep at once, one wins and owes the note.
    const marks = await Promise.all([repo.markInterrupted('s2'), repo.markInterrupted('s2'), repo.markInterrupted('s2')]);
    expect(marks.filter((m) => m !== null)).toHaveLength(1);
    expect((await repo.unfinished()).map((c) => c.id)).not.toContain('s2');
    expect((await repo.notesOwed()).map((c) => c.id)).toContain('s2');
    await repo.noteShown('s2');
    expect((await repo.notesOwed()).map((c) => c.id)).not.toContain('s2');
  });
});

describe('upgrading', () => {
  it('a database at the first release keeps its data when migrated to the latest', async () => {
    const t = await createTestDatabase();
    const db = await openPostgres(t.url);
    try {
      const all = loadMigrations();
      await migrate(db, all.slice(0, 1));
      // Written as the first release wrote it: today's repository writes columns added since (service).
      await db.query(`INSERT INTO timeline_events (invocation_id, kind, platform, actor_id, actor_name, text, outcome) VALUES ('old', 'command', $1, $2, $3, '/health', 'ok')`, [alice.platform, alice.id, alice.name]);
      const applied = await migrate(db);
      expect(applied).toEqual(all.slice(1).map((m) => m.version));
      const events = await new SqlTimelineRepository(db).list({ invocationId: 'old' });
      expect(events.map((e) => e.text)).toEqual(['/health']);
    } finally {
      await db.close();
      await t.drop();
    }
  });
});

describe('migrations under concurrency', () => {
  it('three replicas migrating one empty PostgreSQL at once apply each migration once', async () => {
    const t = await createTestDatabase();
    const dbs = await Promise.all([openPostgres(t.url), openPostgres(t.url), openPostgres(t.url)]);
    try {
      const applied = await Promise.all(dbs.map((d) => migrate(d)));
      expect(applied.flat().sort()).toEqual(loadMigrations().map((m) => m.version).sort());
      // A later start finds every one recorded and applies none.
      expect(await migrate(dbs[0]!)).toEqual([]);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
      await t.drop();
    }
  });
});
