import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack-api.js';
import { fingerprint, seedDatabase, tableCount } from '../support/backup-db.js';
import { createTestDatabase } from '../support/postgres.js';
import { ALICE, BOB, buttonsOf, contextOf, headerOf, startSlackRig, type SlackRig } from './slack-harness.js';

type TestDb = Awaited<ReturnType<typeof createTestDatabase>>;
const WAIT_MS = 30_000;

/**
 * The backup round trip from chat: Alice backs a real PostgreSQL database up from Slack, asks for
 * the restore, cannot approve it herself, and Bob's click restores it into a fresh database.
 */
describe('backup round trip from Slack: /backup now → /backup restore → a second person confirms', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-backup-slack-'));
  const channel = { id: 'CINCBACKUP', name: 'inc-backup-drill' };
  let source: TestDb;
  let target: TestDb;
  let rig: SlackRig;

  beforeAll(async () => {
    source = await createTestDatabase('fb_slk_src');
    target = await createTestDatabase('fb_slk_dst');
    await seedDatabase(source.url, 500);
    rig = await startSlackRig(`
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
  admins: ["slack:${ALICE.id}", "slack:${BOB.id}"]
backups:
  targets:
    app: { type: postgres, url: "${source.url}", format: custom, restore_url: "${target.url}" }
  destination: { dir: "${join(dir, 'backups')}" }
`);
  }, 60_000);
  afterAll(async () => {
    await rig?.close();
    await source?.drop();
    await target?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const messages = () => [...rig.fake.messages.values()].filter((m) => m.channel === channel.id);
  const card = (header: RegExp) => rig.fake.waitFor(() => messages().find((m) => header.test(headerOf(m.blocks))), WAIT_MS);
  const current = (m: FakeMessage) => rig.fake.messages.get(`${m.channel}:${m.ts}`)!;

  it('restores exactly what was backed up, only after someone other than the requester confirms', async () => {
    await rig.command('/backup', 'now app', { channel });
    const done = await card(/^✅ app backed up: /);
    const id = /Restore with \/backup restore (\S+)/.exec(contextOf(done.blocks))?.[1];
    expect(id).toBeTruthy();

    await rig.command('/backup', `restore ${id}`, { channel });
    const ask = await card(/^⏳ Restore /);
    expect(JSON.stringify(ask.blocks)).toContain('Needs a second person');
    const [confirm] = buttonsOf(ask.blocks);
    expect(confirm).toMatchObject({ style: 'danger' });

    // Alice asked; her own click is refused and nothing is restored.
    await rig.press(confirm!.action_id, { channel: channel.id, ts: ask.ts }, { user: ALICE, channelName: channel.name, label: confirm!.text.text });
    await rig.slack.idle();
    expect(await tableCount(target.url)).toBe(0);
    expect(headerOf(current(ask).blocks)).toMatch(/^⏳ Restore /);

    await rig.press(confirm!.action_id, { channel: channel.id, ts: ask.ts }, { user: BOB, channelName: channel.name, label: confirm!.text.text });
    const restored = await rig.fake.waitFor(() => {
      const m = current(ask);
      return /restored from/.test(headerOf(m.blocks)) ? m : undefined;
    }, WAIT_MS);
    expect(headerOf(restored.blocks)).toMatch(new RegExp(`^✅ .*restored from ${id} in .*tables, \\d+ rows$`));
    expect(contextOf(restored.blocks)).toContain('confirmed by Bob B');
    expect(await fingerprint(target.url)).toEqual(await fingerprint(source.url));

    const kinds = (await rig.running.app.ports.timeline.list({ limit: 200 })).filter((e) => e.channel?.id === channel.id).map((e) => `${e.kind}:${e.outcome ?? ''}:${e.actor.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['command:ok:Alice A', 'confirmation.requested:pending:Alice A', 'command.denied:denied:Alice A', 'action.finished:ok:Bob B']));
  });
});
