import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';
import { fingerprint, seedDatabase, tableCount } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';
import { startFakeS3, type FakeS3 } from '../fakes/s3-server.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

const roles = `
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:alice", "console:bob"]
`;

function targets(source: string, restoreCustom: string, restorePlain: string): string {
  return `
  targets:
    pg:
      type: postgres
      url: ${source}
      format: custom
      restore_url: ${restoreCustom}
    pgplain:
      type: postgres
      url: ${source}
      format: plain
      restore_url: ${restorePlain}
`;
}

describe('backup round trip: /backup now → S3 or a directory → /backup restore into a fresh database', { timeout: 120_000 }, () => {
  let source: TestDb;
  const fresh: TestDb[] = [];
  let s3: FakeS3;
  let dir: string;
  let expected: Awaited<ReturnType<typeof fingerprint>>;

  beforeAll(async () => {
    source = await createTestDatabase('fb_bk_src');
    await seedDatabase(source.url);
    expected = await fingerprint(source.url);
    s3 = await startFakeS3(['backups']);
    dir = await mkdtemp(join(tmpdir(), 'fb-backups-'));
  });
  afterAll(async () => {
    await s3?.close();
    await rm(dir, { recursive: true, force: true });
    for (const d of [source, ...fresh]) await d?.drop();
  });

  async function freshDb(): Promise<TestDb> {
    const d = await createTestDatabase('fb_bk_dst');
    fresh.push(d);
    return d;
  }

  /** Backs up `target`, restores it with two people, and returns the restore reply and the database. */
  async function roundTrip(app: App, target: string, restoreDb: TestDb) {
    const now = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: `/backup now ${target}` } });
    expect(now.status, now.reply.text).toBe('ok');
    expect(now.reply.title).toMatch(new RegExp(`^${target} backed up: [\\d.]+ (KB|MB) gzipped in `));
    const id = now.reply.fields!.find((f) => f.label === 'Backup')!.value;
    const record = (await app.ports.backups!.records.get(id))!;
    expect(record.status).toBe('complete');
    expect(record.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(now.reply.fields!.find((f) => f.label === 'sha256')!.value).toBe(record.sha256);
    expect(record.sizeBytes).toBeGreaterThan(1000);

    const card = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'text', text: `/backup restore ${id}` } });
    expect(card.status).toBe('pending');
    const fields = Object.fromEntries(card.reply.fields!.map((f) => [f.label, f.value]));
    expect(fields['Target database']).toBe(`127.0.0.1:5432/${restoreDb.name}`);
    expect(fields.sha256).toBe(record.sha256);
    expect(fields.Backup).toContain(id);
    expect(card.reply.text).toContain('Needs a second person');
    // The exact command, with the database URL but never a password.
    expect(card.reply.code).toMatch(new RegExp(`^(pg_restore|psql) --.*--dbname=postgres://postgres@127.0.0.1:5432/${restoreDb.name}`));
    const confirm = card.reply.buttons![0]!.actionId;
    const self = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    expect(self.status).toBe('denied');
    expect(await tableCount(restoreDb.url)).toBe(0);
    const done = await app.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'action', actionId: confirm } });
    return { id, record, done, card };
  }

  it('to an S3 bucket (s3rver), custom format: object stored, restored rows and data identical', async () => {
    const dst = await freshDb();
    const app = await testApp(`${roles}
backups:
  destination:
    s3: { bucket: backups, prefix: nightly, endpoint: "${s3.endpoint}", force_path_style: true, access_key_id: S3RVER, secret_access_key: S3RVER }
${targets(source.url, dst.url, dst.url)}`);
    try {
      const { id, record, done } = await roundTrip(app, 'pg', dst);
      expect(record.location).toMatch(new RegExp(`^s3://backups/nightly/pg/\\d{4}-\\d\\d-\\d\\dT\\d{6}Z-${id}\\.dump\\.gz$`));
      expect(await s3.keys('backups')).toContain(record.location!.replace('s3://backups/', ''));
      expect(done.status, done.reply.text).toBe('ok');
      expect(done.reply.title).toContain(`restored from ${id}`);
      expect(done.reply.title).toContain('3 tables, 9100 rows');
      expect(done.reply.rows!.map((r) => r.cells.join(' '))).toEqual(['audit.log 100 rows', 'customers 3000 rows', 'orders 6000 rows']);
      expect(await fingerprint(dst.url)).toEqual(expected);
      const kinds = (await app.ports.timeline.list({ limit: 50 })).map((e) => `${e.kind}:${e.outcome ?? ''}`);
      expect(kinds).toEqual(expect.arrayContaining(['action.finished:ok', 'backup.restore.started:', 'command:ok', 'confirmation.requested:pending']));
    } finally {
      await app.close();
    }
  });

  it('to a directory, plain format (psql in one transaction): restored rows and data identical; list shows it', async () => {
    const dst = await freshDb();
    const app = await testApp(`${roles}
backups:
  destination: { dir: "${dir}" }
${targets(source.url, dst.url, dst.url)}`);
    try {
      const { id, record, done } = await roundTrip(app, 'pgplain', dst);
      expect(record.location).toBe(join(dir, 'pgplain', (await readdir(join(dir, 'pgplain')))[0]!));
      expect(record.location).toMatch(/\.sql\.gz$/);
      expect(done.status, done.reply.text).toBe('ok');
      expect(await fingerprint(dst.url)).toEqual(expected);

      const list = await app.dispatcher.dispatch({ actor: bob, channel: consoleChan, input: { kind: 'text', text: '/backup list' } });
      expect(list.status).toBe('ok');
      const row = list.reply.rows!.find((r) => r.cells[0] === id)!;
      expect(row.cells[1]).toBe('pgplain');
      expect(row.cells[5]).toBe('complete');
      expect(row.cells[6]).toBe('by alice');
    } finally {
      await app.close();
    }
  });
});
