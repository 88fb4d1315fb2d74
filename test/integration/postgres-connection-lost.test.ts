import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isStoreOutage } from '../../src/core/store-outage.js';
import { startFirebreak, type Running } from '../../src/main.js';
import type { Db } from '../../src/store/db.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { configFrom, testRuntime } from '../support/app.js';
import { createTestDatabase, PG_ADMIN_URL } from '../support/postgres.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { waitFor } from '../support/wait.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Collects what would otherwise end the process. Without an 'error' listener on a checked-out
 * client, PostgreSQL dropping the connection is an unhandled 'error' event: an uncaught exception.
 */
function watchUncaught(): { errors: unknown[]; stop(): void } {
  const errors: unknown[] = [];
  const onError = (err: unknown) => errors.push(err);
  process.on('uncaughtException', onError);
  return { errors, stop: () => process.removeListener('uncaughtException', onError) };
}

/** The error a promise rejected with (fails the test if it resolved). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the transaction to fail');
}

describe('PostgreSQL drops the connection of an open transaction', () => {
  let db: Db;
  let admin: pg.Client;
  let drop: () => Promise<void>;
  let uncaught: ReturnType<typeof watchUncaught>;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    db = await openPostgres(t.url, { max: 2 });
    await db.exec('CREATE TABLE notes (id serial PRIMARY KEY, text text NOT NULL)');
    admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await db?.close();
    await drop?.();
  });
  beforeEach(() => (uncaught = watchUncaught()));
  afterEach(() => uncaught.stop());

  /** Terminates a backend from the second (admin) connection and waits until it is gone. */
  const terminate = (pid: number) => admin.query('SELECT pg_terminate_backend($1, 20000)', [pid]);

  it('while the transaction is idle between statements: it rejects as an outage, nothing commits, the process lives, the next transaction works', async () => {
    const err = await rejection(
      db.transaction(async (tx) => {
        await tx.query("INSERT INTO notes (text) VALUES ('lost')");
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await terminate(row!.pid);
        // The client heard the server go away while no query of ours was running.
        await tx.query("INSERT INTO notes (text) VALUES ('after')");
      }),
    );
    expect(isStoreOutage(err)).toBe(true);
    expect(uncaught.errors).toEqual([]);

    const next = await db.transaction(async (tx) => {
      await tx.query("INSERT INTO notes (text) VALUES ('kept')");
      return tx.query<{ text: string }>('SELECT text FROM notes ORDER BY id');
    });
    expect(next.map((r) => r.text)).toEqual(['kept']);
  });

  it('while a statement of the transaction runs: the same', async () => {
    const err = await rejection(
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        // Its failure is kept and rethrown below, as a caller awaiting it would see it.
        const slow = tx.query('SELECT pg_sleep(30)').then(() => null, (e: unknown) => e);
        // Once the sleep is running on the server, end its backend.
        await waitFor(
          async () => (await admin.query<{ wait_event: string | null }>('SELECT wait_event FROM pg_stat_activity WHERE pid = $1', [row!.pid])).rows[0]?.wait_event === 'PgSleep',
          20_000,
          'pg_sleep to be running on the server',
        );
        await terminate(row!.pid);
        throw (await slow) ?? new Error('the sleep finished although its backend was terminated');
      }),
    );
    expect(isStoreOutage(err)).toBe(true);
    expect(uncaught.errors).toEqual([]);
    expect((await db.transaction((tx) => tx.query<{ n: number }>('SELECT count(*) AS n FROM notes')))[0]!.n).toBe(1);
  });

  it('a transaction that swallows the failed statement still fails as an outage, not with its own error', async () => {
    const err = await rejection(
      db.transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await terminate(row!.pid);
        await tx.query('SELECT 1').catch(() => undefined);
        throw new Error('a domain error caused by the failed statement');
      }),
    );
    expect(isStoreOutage(err)).toBe(true);
    expect(uncaught.errors).toEqual([]);
  });
});

describe('PostgreSQL stops (fast) just as a query on the connection the next transaction waits for finishes', () => {
  let db: Db;
  let proxy: TcpProxy;
  let drop: () => Promise<void>;
  let uncaught: ReturnType<typeof watchUncaught>;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    const u = new URL(t.url);
    proxy = new TcpProxy(u.hostname, Number(u.port || 5432));
    await proxy.up();
    u.host = `127.0.0.1:${proxy.port}`;
    // One connection: the transaction waits for the one the query holds and is handed it as the query ends.
    db = await openPostgres(u.toString(), { max: 1 });
    uncaught = watchUncaught();
  });
  afterAll(async () => {
    uncaught?.stop();
    await db?.close();
    await proxy?.down();
    await drop?.();
  });

  it('the FATAL that comes in the same read as the answer, while the pool hands the connection over, fails that transaction as an outage; the process lives', async () => {
    proxy.fatalAfterNextAnswer();
    const query = db.query<{ n: number }>('SELECT 1 AS n');
    const tx = rejection(db.transaction((q) => q.query('SELECT 2')));
    expect(await query).toEqual([{ n: 1 }]);
    expect(isStoreOutage(await tx)).toBe(true);
    expect(uncaught.errors).toEqual([]);
    // The broken connection was dropped: the next transaction gets a new one.
    expect(await db.transaction((q) => q.query<{ n: number }>('SELECT 3 AS n'))).toEqual([{ n: 3 }]);
  });
});

describe('an Alertmanager webhook whose transaction loses its connection', () => {
  let running: Running;
  let base: string;
  let drop: () => Promise<void>;
  let uncaught: ReturnType<typeof watchUncaught>;

  beforeAll(async () => {
    const t = await createTestDatabase();
    drop = t.drop;
    running = await startFirebreak(
      testRuntime({ port: 0, databaseUrl: t.url, dataDir: mkdtempSync(join(tmpdir(), 'fb-pg-lost-')) }),
      configFrom('services:\n  api: {}\n'),
      { host: '127.0.0.1' },
    );
    base = `http://127.0.0.1:${running.http.port}`;
    // The first notification stored ends its own backend mid-statement, as a failover would. A
    // sequence, not a table, counts the attempts: its increments survive the rollback.
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    await c.query(`
      CREATE SEQUENCE fault_attempts;
      CREATE FUNCTION lose_connection_once() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF nextval('fault_attempts') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER lose_connection_once BEFORE INSERT ON alert_notifications FOR EACH ROW EXECUTE FUNCTION lose_connection_once();
    `);
    await c.end();
    uncaught = watchUncaught();
  });
  afterAll(async () => {
    uncaught?.stop();
    await running?.close();
    await drop?.();
  });

  it('gets 503, the process lives, and the retry is stored with a 2xx', async () => {
    const body = JSON.stringify({
      version: '4',
      groupKey: '{}:{alertname="HighErrorRate"}',
      status: 'firing',
      receiver: 'firebreak',
      groupLabels: { alertname: 'HighErrorRate' },
      commonLabels: { alertname: 'HighErrorRate', service: 'api', severity: 'critical' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [{ status: 'firing', labels: { alertname: 'HighErrorRate', service: 'api' }, annotations: {}, startsAt: '2026-01-01T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: 'f1' }],
    });
    const post = () => fetch(`${base}/webhooks/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

    const first = await post();
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ error: 'Firebreak could not store the alerts right now; retry' });
    expect(uncaught.errors).toEqual([]);

    const retry = await post();
    expect(retry.status).toBe(200);
    expect(await retry.json()).toMatchObject({ status: 'ok', stored: true });
    expect(await running.app.db.query('SELECT fingerprint FROM alerts')).toEqual([{ fingerprint: 'f1' }]);
    expect(uncaught.errors).toEqual([]);
  });
});
