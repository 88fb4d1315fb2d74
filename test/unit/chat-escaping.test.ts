import { describe, expect, it } from 'vitest';
import { renderAlertCard } from '../../src/alerts/alert-card.js';
import { escapeDiscordMarkdown } from '../../src/chat/discord/markdown.js';
import { renderDiscord } from '../../src/chat/discord/render.js';
import { fitEscaped } from '../../src/chat/fit-escaped.js';
import { escapeMrkdwn, escapeMrkdwnCode } from '../../src/chat/slack/markdown.js';
import { renderBlocks } from '../../src/chat/slack/render.js';
import { stripBidiControls } from '../../src/core/bidi.js';
import { Redactor } from '../../src/core/redact.js';
import { buildDraftAdf } from '../../src/postmortems/draft-adf.js';
import { buildDraft } from '../../src/postmortems/draft-markdown.js';
import { configFrom } from '../support/app.js';
import { ALERT_CARD_CONFIG, alertFixture, groupFixture } from '../support/alert-fixtures.js';
import { scriptedIncident } from '../support/scripted-incident.js';

const Z = '\u200b';
const RLO = '\u202E';

describe('bidi controls', () => {
  it('overrides, embeddings and isolates are dropped; the LRM/RLM marks that mixed-direction text needs stay', () => {
    const all = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069';
    expect(stripBidiControls(`a${all}b`)).toBe('ab');
    expect(stripBidiControls(`invoice${RLO}fdp.exe`)).toBe('invoicefdp.exe');
    expect(stripBidiControls('שלום\u200F abc\u200E')).toBe('שלום\u200F abc\u200E');
  });

  it('what is masked (chat, topics, timeline, logs, tickets) is also rid of them', () => {
    expect(new Redactor().redact(`checkout ${RLO}5xx`)).toBe('checkout 5xx');
  });

  it('the post-mortem renderers drop them too, in text and in code', async () => {
    const base = await scriptedIncident();
    const input = { ...base, incident: { ...base.incident, title: `payments ${RLO}gnp.exe\u202C` } };
    expect(buildDraft(input)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
    expect(buildDraft(input)).toContain('payments gnp.exe');
    expect(JSON.stringify(buildDraftAdf(input))).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });
});

describe('Slack mrkdwn escaping', () => {
  it('formatting characters that could open or close a span are fenced with zero-width spaces', () => {
    expect(escapeMrkdwn('*URGENT* _now_ ~fixed~ `x`')).toBe(`${Z}*${Z}URGENT${Z}*${Z} ${Z}_${Z}now${Z}_${Z} ${Z}~${Z}fixed${Z}~${Z} ${Z}\`${Z}x${Z}\`${Z}`);
  });

  it('identifiers and URLs are left as they are, so they copy cleanly and stay links', () => {
    expect(escapeMrkdwn('job=node_exporter a*b https://grafana.example/d/a_b?x=*y*')).toBe('job=node_exporter a*b https://grafana.example/d/a_b?x=*y*');
  });

  it('markup becomes entities and a quote at the start of a line is no quote', () => {
    expect(escapeMrkdwn('<!subteam^S1> & <script>\n> quoted')).toBe(`&lt;!subteam^S1&gt; &amp; &lt;script&gt;\n${Z}&gt; quoted`);
  });

  it('code stays verbatim, but cannot close its block early', () => {
    expect(escapeMrkdwnCode('a ``` *b* <c>')).toBe(`a \`${Z}\`\` *b* &lt;c&gt;`);
  });
});

describe('Discord Markdown escaping', () => {
  it('every formatting character gets a backslash; line starts cannot head, quote or list', () => {
    expect(escapeDiscordMarkdown('**bold** __u__ ~~s~~ ||spoiler|| `x` \\')).toBe('\\*\\*bold\\*\\* \\_\\_u\\_\\_ \\~\\~s\\~\\~ \\|\\|spoiler\\|\\| \\`x\\` \\\\');
    expect(escapeDiscordMarkdown('# big\n> quote\n-# small\n1. one\n  - item')).toBe('\\# big\n\\> quote\n\\-# small\n1\\. one\n  \\- item');
  });

  it('mentions and times cannot be drawn; URLs and channel links are left as they are', () => {
    expect(escapeDiscordMarkdown('<@123456789012> <@&222> <t:1700000000:R> <#500000000000000001> https://x.example/a_b*c')).toBe(
      '\\<@123456789012> \\<@&222> \\<t:1700000000:R> <#500000000000000001> https://x.example/a_b*c',
    );
  });
});

describe('fitEscaped', () => {
  it('cuts the raw text, never an entity, and fits', () => {
    const out = fitEscaped('<&>'.repeat(50), 40, escapeMrkdwn);
    expect(out.length).toBeLessThanOrEqual(40);
    expect(out).toMatch(/^(&lt;&amp;&gt;)*(&lt;|&lt;&amp;)?…$/);
    expect(fitEscaped('short', 40, escapeMrkdwn)).toBe('short');
  });
});

describe('an alert card with formatting in its annotations and labels', () => {
  const config = configFrom(ALERT_CARD_CONFIG).config;
  const now = new Date('2026-11-25T14:20:00Z');
  const group = groupFixture({
    alertname: `ProviderDown${RLO}`,
    commonAnnotations: { summary: '*RESOLVED* ~ignore this~ _all good_', description: '# Heading\n> quoted `code` ||hidden||' },
  });
  const card = renderAlertCard(group, [alertFixture(1)], config, now);

  it('on Slack shows the annotations as written: no span can open', () => {
    const message = renderBlocks(card, {}, { redactor: new Redactor() });
    const section = message.blocks.map((b) => (b.text as { text?: string } | undefined)?.text ?? '').find((t) => t.includes('RESOLVED'))!;
    expect(section).toBe(`${Z}*${Z}RESOLVED${Z}*${Z} ${Z}~${Z}ignore this${Z}~${Z} ${Z}_${Z}all good${Z}_${Z}\n# Heading\n${Z}&gt; quoted ${Z}\`${Z}code${Z}\`${Z} ||hidden||`);
    expect(JSON.stringify(message)).not.toContain(RLO);
  });

  it('on Discord shows the annotations as written, each formatting character escaped', () => {
    const msg = renderDiscord(card, new Redactor());
    const description = msg.embeds[0]!.description!;
    expect(description).toContain('\\*RESOLVED\\* \\~ignore this\\~ \\_all good\\_');
    expect(description).toContain('\\# Heading\n\\> quoted \\`code\\` \\|\\|hidden\\|\\|');
    expect(msg.embeds[0]!.title).not.toContain(RLO);
  });
});
