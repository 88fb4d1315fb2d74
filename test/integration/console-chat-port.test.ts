import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleChatPort } from '../../src/chat/console/chat-port.js';
import { fetchConsoleChanges, forwardToServer } from '../../src/chat/console/remote-client.js';
import { newConsoleToken, registerRemoteConsole } from '../../src/chat/console/remote-endpoint.js';
import type { ChatPlatformPort } from '../../src/core/chat-port.js';
import type { Reply } from '../../src/core/reply.js';
import { Router } from '../../src/http/router.js';
import { startHttpServer, type RunningServer } from '../../src/http/server.js';
import { SqlConsoleMessageRepository } from '../../src/store/console-message-repository.js';
import { migrate } from '../../src/store/migrate.js';
import { openPostgres } from '../../src/store/postgres-db.js';
import { silentLogger, testApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';

const changes = async (app: Awaited<ReturnType<typeof testApp>>, since: number, viewer: string) => (await app.consoleMessages.changesSince(since, viewer)).messages;
const card = (title: string, extra: Partial<Reply> = {}): Reply => ({ title, status: 'info', ...extra });

describe('the console chat platform on PGlite', () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let port: ChatPlatformPort;

  beforeAll(async () => {
    app = await testApp('');
    port = app.ports.chat.get('console')!;
  });
  afterAll(() => app.close());

  it('is where the system speaks when no Slack or Discord is configured', () => {
    expect(app.ports.chat.announcers().map((p) => p.platform)).toEqual(['console']);
  });

  it('posts to #incidents by name (created on first post), and an update keeps the message and bumps its version', async () => {
    const before = await app.consoleMessages.currentVersion();
    const ref = await port.postMessage({ name: 'incidents' }, card('Backup complete', { buttons: [{ actionId: 'run:/backup list', label: 'List' }] }));
    const again = await port.postMessage({ name: '#incidents' }, card('Second'));
    expect(again.channelId).toBe(ref.channelId);
    await port.updateMessage(ref, card('Backup complete (verified)'));

    const seen = await changes(app, before, 'alice');
    expect(seen.map((m) => [m.id, m.channel?.name, m.reply.title])).toEqual([
      [Number(again.messageId), 'incidents', 'Second'],
      [Number(ref.messageId), 'incidents', 'Backup complete (verified)'],
    ]);
    const updated = seen[1]!;
    expect(updated.version).toBeGreaterThan(seen[0]!.version);
    expect(updated.createdVersion).toBeLessThan(seen[0]!.version);
    // A reader that had seen the second post sees only the update.
    expect((await changes(app, seen[0]!.version, 'alice')).map((m) => m.reply.title)).toEqual(['Backup complete (verified)']);
    await expect(port.updateMessage({ platform: 'console', channelId: ref.channelId, messageId: '999999' }, card('x'))).rejects.toThrow('There is no console message 999999 to update');
  });

  it('a thread reply sits under the first message, also when replying to a reply', async () => {
    const root = await port.postMessage({ name: 'incidents' }, card('Alert: api 5xx'));
    const first = await port.replyInThread(root, card('Acknowledged by alice'));
    const second = await port.replyInThread(first, card('Silenced for 1h'));
    const stored = await Promise.all([first, second].map((r) => app.consoleMessages.message(Number(r.messageId))));
    expect(stored.map((m) => [m?.threadParentId, m?.channel?.name])).toEqual([
      [Number(root.messageId), 'incidents'],
      [Number(root.messageId), 'incidents'],
    ]);
  });

  it('a private message is seen only by its user', async () => {
    const before = await app.consoleMessages.currentVersion();
    const incidents = await port.postMessage({ name: 'incidents' }, card('Public'));
    await port.sendPrivate('alice', card('Only for alice'), { channelId: incidents.channelId });
    await port.sendPrivate('alice', card('A direct note'));
    const forAlice = await changes(app, before, 'alice');
    expect(forAlice.map((m) => [m.reply.title, m.channel?.name ?? null, m.privateTo])).toEqual([
      ['Public', 'incidents', null],
      ['Only for alice', 'incidents', 'alice'],
      ['A direct note', null, 'alice'],
    ]);
    const forBob = await app.consoleMessages.changesSince(before, 'bob');
    expect(forBob.messages.map((m) => m.reply.title)).toEqual(['Public']);
    // Past alice's private messages: bob's next poll does not look at them again.
    expect(forBob.version).toBe(await app.consoleMessages.currentVersion());
  });

  it('createChannel gives a taken name -2, -3 (archived names stay taken); topic, invites, pins and archiving are stored', async () => {
    const a = await port.createChannel('inc-20261125-checkout-5xx', { topic: 'sev2: checkout 5xx' });
    await port.archiveChannel(a.id);
    const b = await port.createChannel('inc-20261125-checkout-5xx');
    const c = await port.createChannel('Inc-20261125-Checkout 5xx', { private: true });
    expect([a.name, b.name, c.name]).toEqual(['inc-20261125-checkout-5xx', 'inc-20261125-checkout-5xx-2', 'inc-20261125-checkout-5xx-3']);
    expect(new Set([a.id, b.id, c.id]).size).toBe(3);

    await port.setTopic(b.id, 'sev1: checkout down');
    await port.inviteToChannel(b.id, ['bob', 'alice']);
    await port.inviteToChannel(b.id, ['alice', 'carol']);
    const summary = await port.postMessage({ id: b.id }, card('Incident summary'));
    await port.pinMessage(summary);

    expect(await app.consoleMessages.channel(a.id)).toMatchObject({ archived: true, topic: 'sev2: checkout 5xx' });
    expect(await app.consoleMessages.channel(b.id)).toMatchObject({ archived: false, topic: 'sev1: checkout down', members: ['alice', 'bob', 'carol'], private: false });
    expect(await app.consoleMessages.channel(c.id)).toMatchObject({ private: true });
    expect(await app.consoleMessages.message(Number(summary.messageId))).toMatchObject({ pinned: true, reply: { title: 'Incident summary' } });
    await expect(port.postMessage({ id: a.id }, card('late'))).rejects.toThrow('Console channel #inc-20261125-checkout-5xx is archived; post to another channel.');
    await expect(port.setTopic('C0', 'x')).rejects.toThrow('There is no console channel with id C0.');
  });
});

describe("the running server's console endpoint", () => {
  let app: Awaited<ReturnType<typeof testApp>>;
  let http: RunningServer;
  const token = newConsoleToken();
  const info = () => ({ pid: process.pid, port: http.port, token });
  /** The OS user alice, as herself (no --as). */
  const aliceAtHerDesk = { as: 'alice', osUser: 'alice' };

  beforeAll(async () => {
    app = await testApp('');
    const router = new Router();
    registerRemoteConsole(router, { dispatcher: app.dispatcher, messages: app.consoleMessages, port: app.chat.get('console')!, allowAs: false }, token);
    http = await startHttpServer(router, 0, silentLogger, '127.0.0.1');
  });
  afterAll(async () => {
    await http.close();
    await app.close();
  });

  it('sends what was posted since a version, and a button pressed on it runs in its channel', async () => {
    const start = await fetchConsoleChanges(info(), aliceAtHerDesk);
    expect(start.messages).toEqual([]);
    const port = app.ports.chat.get('console')!;
    const ref = await port.postMessage({ name: 'incidents' }, card('Backup failed', { buttons: [{ actionId: 'run:/help', label: 'Help' }] }));
    await port.sendPrivate('bob', card('Not for alice'));

    const changes = await fetchConsoleChanges(info(), aliceAtHerDesk, start.version);
    expect(changes.messages.map((m) => [m.id, m.channel?.name, m.reply.title, m.reply.buttons?.[0]?.actionId])).toEqual([[Number(ref.messageId), 'incidents', 'Backup failed', 'run:/help']]);
    expect(changes.messages[0]!.createdAt).toBeInstanceOf(Date);
    expect((await fetchConsoleChanges(info(), aliceAtHerDesk, changes.version)).messages).toEqual([]);

    const pressed = await forwardToServer(info(), { ...aliceAtHerDesk, actionId: 'run:/help', channelId: ref.channelId, yes: false });
    expect(pressed).toMatchObject({ kind: 'result', result: { status: 'ok', exitCode: 0 } });
    const [event] = await app.ports.timeline.list({ invocationId: pressed.kind === 'result' ? pressed.result.invocationId : '' });
    expect(event).toMatchObject({ actor: { id: 'alice' }, channel: { id: ref.channelId, name: 'incidents' }, text: '/help' });
  });

  it('refuses a wrong token and an unknown channel with one sentence', async () => {
    await expect(fetchConsoleChanges({ ...info(), token: 'x'.repeat(48) }, aliceAtHerDesk, 0)).rejects.toThrow("The console token does not match the running server's");
    expect(await forwardToServer(info(), { ...aliceAtHerDesk, actionId: 'run:/help', channelId: 'C999', yes: false })).toEqual({
      kind: 'refused',
      message: 'There is no console channel C999; press a button shown in this console.',
    });
  });
});

describe('console message versions on PostgreSQL', () => {
  it('follow commit order: a reader polling during concurrent posts misses none', async () => {
    const t = await createTestDatabase();
    const db = await openPostgres(t.url, { max: 8 });
    try {
      await migrate(db);
      const repo = new SqlConsoleMessageRepository(db);
      const port = new ConsoleChatPort(repo);
      await port.postMessage({ name: 'incidents' }, card('warm-up'));
      let since = await repo.currentVersion();
      const seen = new Set<number>();
      let posting = true;
      const reader = (async () => {
        while (posting) {
          const batch = await repo.changesSince(since, 'alice');
          for (const m of batch.messages) seen.add(m.id);
          since = batch.version;
        }
      })();
      const refs = await Promise.all(Array.from({ length: 150 }, (_, i) => port.postMessage({ name: 'incidents' }, card(`alert ${i}`))));
      posting = false;
      await reader;
      for (const m of (await repo.changesSince(since, 'alice')).messages) seen.add(m.id);
      expect([...seen].sort((a, b) => a - b)).toEqual(refs.map((r) => Number(r.messageId)).sort((a, b) => a - b));
    } finally {
      await db.close();
      await t.drop();
    }
  });
});
