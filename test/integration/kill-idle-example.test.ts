import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { ConfiguredActionRunner } from '../../src/integrations/actions/action-runner.js';
import { runArgv } from '../../src/integrations/commands/run-argv.js';
import { createTestDatabase, PG_ADMIN_URL } from '../support/postgres.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

async function idleClient(url: string): Promise<{ client: pg.Client; pid: number }> {
  const client = new pg.Client({ connectionString: url });
  // The terminated one reports its lost connection here; that is the point of the test.
  client.on('error', () => {});
  await client.connect();
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return { client, pid: rows[0]!.pid };
}

async function alive(pids: number[]): Promise<number[]> {
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
    return rows.map((r) => r.pid).sort();
  } finally {
    await admin.end();
  }
}

/** The example's kill-idle-connections, run with the real psql against a scratch database. */
describe('firebreak.example.yml: kill-idle-connections', () => {
  let ours: TestDb;
  let other: TestDb;
  beforeAll(async () => {
    ours = await createTestDatabase('fb_killidle_ours');
    other = await createTestDatabase('fb_killidle_other');
  });
  afterAll(async () => {
    await ours?.drop();
    await other?.drop();
  });

  it('terminates the idle sessions of its own database only; another database’s idle session survives', async () => {
    const text = readFileSync('firebreak.example.yml', 'utf8');
    const vars = [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)].map((m) => m[1]!))];
    const env = Object.fromEntries(vars.map((v) => [v, v === 'REDIS_URL' ? 'redis://cache:6379' : v.endsWith('_URL') ? 'postgres://u:p@db:5432/app' : `value-of-${v}`]));
    const action = parseConfigText(text, 'firebreak.example.yml', env).config.actions['kill-idle-connections']!;
    // idle_minutes: 0 instead of the allowed 10–1440, so the test need not wait; the filling is the runner's own.
    const argv = new ConfiguredActionRunner().describe({ name: 'kill-idle-connections', action, values: { idle_minutes: 0 } });
    expect(argv[1]).toBe('postgres://litellm@litellm-db:5432/litellm');
    argv[1] = ours.url;

    const victim = await idleClient(ours.url);
    const bystander = await idleClient(other.url);
    try {
      const r = await runArgv(argv, { timeoutMs: 30_000 });
      expect([r.exitCode, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toMatch(/\(1 row\)/);
      const deadline = Date.now() + 10_000;
      while ((await alive([victim.pid])).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await alive([victim.pid, bystander.pid])).toEqual([bystander.pid]);
      expect((await bystander.client.query<{ one: number }>('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await victim.client.end().catch(() => {});
      await bystander.client.end();
    }
  });
});
