import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, buttonsOf, contextOf, headerOf, startSlackRig, type SlackRig } from './slack-harness.js';

/** A value from the environment, so Firebreak knows it is a secret; long enough to be cut in a usage error. */
const SECRET = 'q7Zr-note-value-5b1d4a6f8e0c93a7e2f1d0c9';

const yaml = `
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}"]
actions:
  note:
    description: Writes a note (asks for confirmation)
    params:
      msg: { type: string, pattern: "[A-Za-z0-9 <>!@|:/.&-]+" }
    argv: [node, -e, "console.log('noted', process.argv[1])", "{msg}"]
    env: { NOTE_TOKEN: "\${NOTE_TOKEN}" }
    timeout_s: 20
  slow-note:
    description: Writes a note without asking, slowly enough to show "running…" first
    confirm: false
    params:
      msg: { type: string, pattern: "[A-Za-z0-9-]+" }
    argv: [node, -e, "setTimeout(() => console.log('noted', process.argv[1]), 1500)", "{msg}"]
    timeout_s: 20
`;

/** A generous deadline for each step to show in the fake Slack (a busy machine takes seconds per step). */
const WAIT_MS = 30_000;

/** Every mrkdwn text object in some blocks. */
function mrkdwnOf(blocks: unknown): string[] {
  const out: string[] = [];
  const go = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(go);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(go);
    }
  };
  go(blocks);
  return out;
}

/** Slack sends &, < and > in typed text as HTML entities. */
const asSlackSends = (typed: string) => typed.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('Slack: what people type is masked and escaped in everything Firebreak posts', () => {
  let rig: SlackRig;

  beforeAll(async () => {
    rig = await startSlackRig(yaml, 'http', { env: { NOTE_TOKEN: SECRET } });
  });
  afterAll(async () => {
    await rig?.close();
  });

  const postsTo = (channel: string) => rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === channel);
  /**
   * The confirmation card in a channel as Slack shows it. Building the card writes to the store: when
   * that takes longer than the fast window (a busy machine), "Running /run …" is posted first and
   * edited into the card, so the card is the message once it has buttons, not the first post.
   */
  const cardIn = (channel: string) =>
    rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.channel === channel && buttonsOf(m.blocks).length > 0), WAIT_MS);
  /** Everything Slack received from Firebreak: Web API calls (posts, updates, ephemerals) and response_url posts. */
  const everythingSent = () => JSON.stringify([rig.fake.calls.map((c) => c.args), rig.fake.responsePosts.map((p) => p.body)]);

  it('a typed secret never reaches Slack: not in the context line, the "running…" header, a usage error or the result', async () => {
    const channel = { id: 'CINCSECRET', name: 'inc-secret' };
    // 1. A confirmation card (chat.postMessage), then Run: progress and result (chat.update).
    await rig.slash('/run', `note msg=${SECRET}`, { channel });
    const msg = await cardIn(channel.id);
    expect(contextOf(msg.blocks)).toMatch(/ · <@UALICE> ran `\/run note msg=\*\*\*`$/);
    await rig.click(buttonsOf(msg.blocks)[0]!.action_id, { channel: channel.id, ts: msg.ts }, { channelName: channel.name, label: 'Run' });
    await rig.fake.waitFor(() => /noted/.test(JSON.stringify(rig.fake.messages.get(`${channel.id}:${msg.ts}`)?.blocks)), WAIT_MS);
    await rig.slack.idle();

    // 2. A slow one: "Running /run slow-note msg=…" is posted first (chat.postMessage), then updated.
    const postedBefore = postsTo(channel.id).length;
    await rig.slash('/run', `slow-note msg=${SECRET}`, { channel });
    const running = await rig.fake.waitFor(() => postsTo(channel.id)[postedBefore], WAIT_MS);
    expect(headerOf(running.args.blocks as unknown[])).toBe('⏳ Running /run slow-note msg=***…');
    await rig.fake.waitFor(() => rig.fake.callsOf('chat.update', true).find((c) => c.args.channel === channel.id && /slow-note: done/.test(headerOf(c.args.blocks as unknown[]))), WAIT_MS);

    // 3. A usage error that quotes the value (cut to 40 characters), privately through the response_url.
    const { trigger } = await rig.slash('/run', `note msg=${SECRET}#`, { channel });
    const usage = await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => p.id === trigger), WAIT_MS);
    expect(usage.body.response_type).toBe('ephemeral');
    // The mask is fenced by invisible zero-width spaces like any run of mrkdwn formatting characters.
    expect(JSON.stringify(usage.body.blocks)).toContain('got \\"\u200b***\u200b…\\"');
    expect(contextOf(usage.body.blocks as unknown[])).toBe('<@UALICE> ran `/run note msg=***#`');

    await rig.slack.idle();
    const sent = everythingSent();
    expect(sent).not.toContain(SECRET);
    // Nor a cut-off piece of it.
    expect(sent).not.toContain(SECRET.slice(0, 12));
  }, 5 * WAIT_MS);

  it('a typed <!channel>, <@U…> or <url|link> reaches the channel card escaped, so it neither pings nor links', async () => {
    const channel = { id: 'CINCMENTION', name: 'inc-mention' };
    await rig.slash('/run', asSlackSends('note msg="hi <!channel> <!here> <@UBOB> <https://evil|click> & co"'), { channel });
    const card = await cardIn(channel.id);
    const typed = '&lt;!channel&gt; &lt;!here&gt; &lt;@UBOB&gt; &lt;https://evil|click&gt; &amp; co';
    // The notification text, the card's fields and Firebreak's own line about who ran it.
    expect(card.text).toBe(`⏳ Run note with msg=hi ${typed}?`);
    expect(JSON.stringify(card.blocks)).toContain(`*msg*\\nhi ${typed}`);
    expect(contextOf(card.blocks)).toMatch(new RegExp(` · <@UALICE> ran \`/run note msg="hi ${typed.replace(/[|.]/g, '\\$&')}"\`$`));
    // Slack parses markup only in mrkdwn (plain_text headers and buttons show it as typed).
    const mrkdwn = [String(card.text), ...mrkdwnOf(card.blocks)].join('\n').replace('<@UALICE>', '');
    expect(mrkdwn).not.toMatch(/<[!@]|<https:/);
  }, 2 * WAIT_MS);
});
