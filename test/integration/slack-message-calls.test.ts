import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackMessageCalls } from '../../src/chat/slack/message-calls.js';

/** A Web API stand-in that answers each request with the next scripted answer, and keeps what it got. */
async function scriptedSlack(answers: Array<{ status: number; body?: unknown; headers?: Record<string, string> }>) {
  const got: Array<{ url: string; auth: string | undefined; body: string }> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      got.push({ url: req.url ?? '', auth: req.headers.authorization, body });
      const a = answers[Math.min(got.length - 1, answers.length - 1)]!;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`;
  return { got, url, close: () => new Promise<void>((r) => server.close(() => r())) };
}

describe('Slack message calls over keep-alive HTTP: the WebClient’s body, retries and errors', () => {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0)) await c();
  });

  it('posts the form body the WebClient would (objects as JSON) with the Bearer token, and returns the answer', async () => {
    const s = await scriptedSlack([{ status: 200, body: { ok: true, ts: '1.2' } }]);
    closers.push(s.close);
    const out = await new SlackMessageCalls('xoxb-t', s.url, 5_000).call('chat.postMessage', { channel: 'C1', text: 'hi', blocks: [{ type: 'divider' }], thread_ts: undefined });
    expect(out).toEqual({ ok: true, ts: '1.2' });
    expect(s.got).toHaveLength(1);
    expect(s.got[0]!.url).toBe('/api/chat.postMessage');
    expect(s.got[0]!.auth).toBe('Bearer xoxb-t');
    expect(Object.fromEntries(new URLSearchParams(s.got[0]!.body))).toEqual({ channel: 'C1', text: 'hi', blocks: '[{"type":"divider"}]' });
  });

  it('tries a 5xx twice more, then gives the answer', async () => {
    const s = await scriptedSlack([{ status: 503 }, { status: 500 }, { status: 200, body: { ok: true } }]);
    closers.push(s.close);
    await expect(new SlackMessageCalls('t', s.url, 5_000).call('chat.update', { channel: 'C1', ts: '1' })).resolves.toEqual({ ok: true });
    expect(s.got).toHaveLength(3);
  });

  it('hands a 429 back at once with Retry-After in seconds, and never retries ok:false', async () => {
    const limited = await scriptedSlack([{ status: 429, headers: { 'retry-after': '7' } }]);
    closers.push(limited.close);
    await expect(new SlackMessageCalls('t', limited.url, 5_000).call('chat.postMessage', { channel: 'C1' })).rejects.toMatchObject({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 });
    expect(limited.got).toHaveLength(1);

    const refused = await scriptedSlack([{ status: 200, body: { ok: false, error: 'channel_not_found' } }]);
    closers.push(refused.close);
    await expect(new SlackMessageCalls('t', refused.url, 5_000).call('chat.postMessage', { channel: 'C9' })).rejects.toMatchObject({ code: 'slack_webapi_platform_error', data: { ok: false, error: 'channel_not_found' } });
    expect(refused.got).toHaveLength(1);
  });
});
