import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchResult } from '../../src/core/dispatcher.js';
import type { Actor } from '../../src/core/identity.js';
import type { App } from '../../src/main.js';
import { BackupScheduler } from '../../src/scheduler/backup-scheduler.js';
import { alice, bob, consoleChan, mallory, testApp } from '../support/app.js';
import { fingerprint, seedDatabase } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';
import { RecordingChat } from '../fakes/recording-chat.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;

/** /backup verify (test restores into a scratch database) and /backup now as a procedure step, against the real PostgreSQL. */
describe('/backup verify and /backup now as a procedure step', { timeout: 180_000 }, () => {
  let source: TestDb;
  let scratch: TestDb;
  let dir: string;
  let app: App;
  const type = (actor: Actor, text: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text } });
  const press = (actor: Actor, actionId: string): Promise<DispatchResult> => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'action', actionId } });
  const backupNow = async (): Promise<string> => {
    const now = await type(alice, '/backup now pg');
    expect(now.status, now.reply.text).toBe('ok');
    return now.reply.fields!.find((f) => f.label === 'Backup')!.value;
  };
  const cells = (r: DispatchResult) => r.reply.rows!.slice(1).map((row) => row.cells.join(' | '));

  beforeAll(async () => {
    source = await createTestDatabase('fb_bk_vsrc');
    scratch = await createTestDatabase('fb_bk_vscr');
    await seedDatabase(source.url, 400);
    dir = await mkdtemp(join(tmpdir(), 'fb-verify-'));
    app = await testApp(`
roles:
  responders: ["console:alice", "console:bob"]
  admins: ["console:alice", "console:bob"]
backups:
  destination: { dir: "${dir}/store" }
  targets:
    pg: { type: postgres, url: "${source.url}", format: custom, verify_url: "${scratch.url}", verify_schedule: "0 4 1 * *" }
    other: { type: postgres, url: "${source.url}" }
    fresh: { type: postgres, url: "${source.url}", verify_url: "${scratch.url}" }
procedures:
  first-backup:
    description: A target's first backup, tested at once
    steps:
      - run: "/backup now fresh"
      - run: "/backup verify latest fresh"

  deploy:
    description: Runbook 001's start — back up, then the rest
    steps:
      - run: "/backup now pg"
      - run: "/backup verify latest pg"
`);
  });
  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
    for (const d of [source, scratch]) await d?.drop();
  });

  it('a good backup: row counts recorded at backup time equal the scratch restore; production untouched; a backup.verified event', async () => {
    const id = await backupNow();
    const record = (await app.ports.backups!.records.get(id))!;
    expect(record.rowCounts).toEqual([
      { table: 'audit.log', rows: 100 },
      { table: 'customers', rows: 400 },
      { table: 'orders', rows: 800 },
    ]);
    // Rows written after the backup are not the backup's: the counts to compare are those at backup time.
    const c = new pg.Client({ connectionString: source.url });
    await c.connect();
    await c.query(`INSERT INTO audit.log (line) VALUES ('after the backup')`);
    await c.end();
    const before = await fingerprint(source.url);

    const r = await type(bob, `/backup verify ${id}`);
    expect(r.status, r.reply.text).toBe('ok');
    expect(r.reply.title).toMatch(new RegExp(`^Backup ${id} verified: 3 tables, row counts match`));
    expect(r.reply.text).toContain(`restored into the scratch database 127.0.0.1:5432/${scratch.name}`);
    expect(cells(r)).toEqual(['audit.log | 100 | 100 | OK', 'customers | 400 | 400 | OK', 'orders | 800 | 800 | OK']);
    expect(await fingerprint(source.url)).toEqual(before);
    expect((await fingerprint(scratch.url)).counts).toEqual({ customers: 400, orders: 800, 'audit.log': 100 });

    const ev = (await app.ports.timeline.list({ limit: 100 })).find((e) => e.kind === 'backup.verified' && e.detail.backup === id)!;
    expect(ev.outcome).toBe('ok');
    expect(ev.actor.name).toBe('bob');
    expect(ev.detail.mismatches).toBe(0);
    expect(ev.output).toContain('customers: 400 at backup, 400 restored');
    expect(ev.argv?.join(' ')).toContain(`--dbname=postgres://postgres@127.0.0.1:5432/${scratch.name}`);
  });

  it('a dump that silently left out a table\'s rows is reported as a mismatch', async () => {
    // A pg_dump wrapper that drops audit.log's data and still exits 0: the kind of backup that
    // looks fine (complete, checksummed) until someone restores it.
    const bin = join(dir, 'bin');
    const real = execFileSync('sh', ['-c', 'command -v pg_dump']).toString().trim();
    await rm(bin, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(bin));
    await writeFile(join(bin, 'pg_dump'), `#!/bin/sh\nexec "${real}" --exclude-table-data=audit.log "$@"\n`);
    await chmod(join(bin, 'pg_dump'), 0o755);
    const path = process.env.PATH;
    process.env.PATH = `${bin}:${path}`;
    let id: string;
    try {
      id = await backupNow();
    } finally {
      process.env.PATH = path;
    }
    const r = await type(alice, `/backup verify latest pg`);
    expect(r.status).toBe('failed');
    expect(r.reply.title).toBe(`Backup ${id} does NOT match: 1 of 3 tables differ from the counts at backup time`);
    expect(cells(r)).toEqual(['audit.log | 101 | 0 | mismatch', 'customers | 400 | 400 | OK', 'orders | 800 | 800 | OK']);
    const ev = (await app.ports.timeline.list({ limit: 100 })).find((e) => e.kind === 'backup.verified' && e.detail.backup === id)!;
    expect(ev.outcome).toBe('mismatch');
    expect(ev.detail.mismatches).toBe(1);
  });

  it('bad input: one sentence, nothing run', async () => {
    const events = (await app.ports.timeline.list({ limit: 500 })).filter((e) => e.kind === 'backup.verified').length;
    const cases: [string, RegExp][] = [
      ['/backup verify ../x', /say a backup id like bk-1a2b3c4d, or latest/],
      ['/backup verify yesterday', /^There is no backup "yesterday"; \/backup list shows them\.$/],
      ['/backup verify bk-deadbeef', /^There is no backup "bk-deadbeef"; \/backup list shows them\.$/],
      ['/backup verify latest other', /^other has no complete backup to verify yet/],
      ['/backup verify latest nope', /^There is no backup target "nope"/],
    ];
    for (const [text, message] of cases) {
      const r = await type(alice, text);
      expect(r.status, text).toBe('invalid');
      expect(r.reply.text, text).toMatch(message);
    }
    const r = await type(mallory, '/backup verify latest pg');
    expect(r.status).toBe('denied');
    expect((await app.ports.timeline.list({ limit: 500 })).filter((e) => e.kind === 'backup.verified').length).toBe(events);
  });

  it('verify_schedule: the scheduler test-restores the latest backup and posts the card to the incidents channel', async () => {
    const good = await backupNow();
    const chat = new RecordingChat();
    app.chat.register(chat);
    expect(await new BackupScheduler(app.loaded.config, app.ports).fireVerify('pg', new Date('2026-12-01T04:00:00Z'))).toBe('verified');
    expect(chat.posted).toHaveLength(1);
    expect(chat.posted[0]!.channel).toBe('incidents');
    expect(chat.posted[0]!.reply.title).toMatch(new RegExp(`^Backup ${good} verified`));
    const ev = (await app.ports.timeline.list({ limit: 100 })).find((e) => e.kind === 'backup.verified' && e.detail.backup === good)!;
    expect(ev.actor.name).toBe('scheduler');
  });

  it('/backup now is a procedure step: planned on the card, run once on Confirm', async () => {
    const count = async () => (await app.ports.backups!.records.list({ target: 'pg', limit: 100 })).length;
    const before = await count();
    const card = await type(alice, '/procedure deploy');
    expect(card.status, card.reply.text).toBe('pending');
    const steps = card.reply.fields!.map((f) => `${f.label} ${f.value}`);
    expect(steps[0]).toMatch(/^1\. \/backup now pg → pg_dump --format=custom/);
    expect(steps[1]).toMatch(/^2\. \/backup verify latest pg → pg_restore /);
    expect(await count()).toBe(before);

    const done = await press(bob, card.reply.buttons!.find((b) => b.label === 'Run procedure')!.actionId);
    expect(done.status, JSON.stringify(done.reply)).toBe('ok');
    expect(done.reply.title).toBe('Procedure deploy: all 2 steps done');
    const records = await app.ports.backups!.records.list({ target: 'pg', limit: 100 });
    expect(records.length).toBe(before + 1);
    expect(records[0]!.status).toBe('complete');
    expect(records[0]!.requestedBy).toBe('bob');
    // The verify step tested the backup the first step took.
    const ev = (await app.ports.timeline.list({ limit: 200 })).find((e) => e.kind === 'backup.verified' && e.detail.backup === records[0]!.id);
    expect(ev?.outcome).toBe('ok');
  });

  it('a procedure may verify the latest backup of a target that has none yet: an earlier step takes it', async () => {
    expect(await app.ports.backups!.records.list({ target: 'fresh' })).toEqual([]);
    const card = await type(alice, '/procedure first-backup');
    expect(card.status, card.reply.text).toBe('pending');
    expect(card.reply.fields![1]!.value).toMatch(/^\/backup verify latest fresh → pg_restore /);
    const done = await press(bob, card.reply.buttons!.find((b) => b.label === 'Run procedure')!.actionId);
    expect(done.status, JSON.stringify(done.reply)).toBe('ok');
    const [record] = await app.ports.backups!.records.list({ target: 'fresh' });
    const ev = (await app.ports.timeline.list({ limit: 300 })).find((e) => e.kind === 'backup.verified' && e.detail.backup === record!.id);
    expect(ev?.outcome).toBe('ok');
  });
});
