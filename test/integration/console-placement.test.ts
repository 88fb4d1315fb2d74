import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { placeOnConsole } from '../../src/chat/console/delivery.js';
import type { ChatPlatformPort, MessageRef } from '../../src/core/chat-port.js';
import type { DispatchResult } from '../../src/core/invocation.js';
import type { App } from '../../src/main.js';
import { testApp } from '../support/app.js';

const card = { title: 'ProviderDown (litellm)', status: 'error' as const, buttons: [{ actionId: 'ack:1', label: 'Acknowledge' }] };
const result = (over: Partial<DispatchResult>): DispatchResult => ({ invocationId: 'i', status: 'ok', reply: { title: 'You acknowledged it', status: 'info' }, placement: { kind: 'private' }, ...over });

describe('console: a button pressed on a posted message honours its placement for everyone watching', () => {
  let app: App;
  let port: ChatPlatformPort;
  let ref: MessageRef;

  beforeEach(async () => {
    app = await testApp('');
    port = app.chat.get('console')!;
    ref = await port.postMessage({ name: 'incidents' }, card);
  });
  afterEach(async () => app.close());

  const stored = async () => (await app.consoleMessages.changesSince(0, 'alice')).messages.map((m) => [m.channel?.name, m.threadParentId === null ? 'top' : 'thread', m.reply.title, m.reply.context ?? '']);

  it('what it stores is masked like everything that leaves Firebreak', async () => {
    const secret = await testApp('actions:\n  a:\n    http: { url: "http://127.0.0.1:9/x", headers: { X-Key: "${KEY}" } }\n', { env: { KEY: 'sk-live-very-secret' } });
    try {
      const console = secret.chat.get('console')!;
      await console.postMessage({ name: 'incidents' }, { title: 'tool said sk-live-very-secret', status: 'error', code: 'token=sk-live-very-secret' });
      const [m] = (await secret.consoleMessages.changesSince(0, 'alice')).messages;
      expect(JSON.stringify(m!.reply)).not.toContain('sk-live-very-secret');
      expect(m!.reply.title).toBe('tool said ***');
    } finally {
      await secret.close();
    }
  });

  it('a source update changes the card in place; the private reply is not stored', async () => {
    await placeOnConsole(port, ref, ref.channelId, result({ sourceUpdate: { ...card, context: 'Acknowledged by alice' } }));
    expect(await stored()).toEqual([['incidents', 'top', 'ProviderDown (litellm)', 'Acknowledged by alice']]);
  });

  it('replace updates the card; thread replies under it; another channel gets a post there', async () => {
    await placeOnConsole(port, ref, ref.channelId, result({ reply: { title: 'Re-checked', status: 'ok' }, placement: { kind: 'replace' } }));
    await placeOnConsole(port, ref, ref.channelId, result({ reply: { title: 'Noted', status: 'info' }, placement: { kind: 'thread' } }));
    await placeOnConsole(port, ref, ref.channelId, result({ reply: { title: 'Incident opened', status: 'info' }, placement: { kind: 'channel', channel: { name: 'inc-20261201-litellm' } } }));
    expect(await stored()).toEqual([
      ['incidents', 'top', 'Re-checked', ''],
      ['incidents', 'thread', 'Noted', ''],
      ['inc-20261201-litellm', 'top', 'Incident opened', ''],
    ]);
  });
});
