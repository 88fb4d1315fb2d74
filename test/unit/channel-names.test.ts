import { describe, expect, it } from 'vitest';
import { ChannelNameError } from '../../src/core/channel-slug.js';
import { discordChannelName, discordChannelNameCandidate } from '../../src/chat/discord/channel-name.js';
import { slackChannelName, slackChannelNameCandidate } from '../../src/chat/slack/channel-name.js';

/** Slack's rule for conversations.create, as its docs state it. */
const SLACK_OK = /^[a-z0-9_-]{1,80}$/;

const nasty = [
  'inc-20261125 Checkout 5xx',
  '#Incidents',
  'Café Crème — Zahlungsausfall über Straße 5',
  'inc-20261125-🔥🔥-db-failover-🔥',
  'ＡＰＩ　５ｘｘ',
  'inc/2026.11.25: api (EU) & payments!!!',
  `inc-20261125-${'sehr lange Überschrift mit Umlauten äöü und Emoji 🚒 '.repeat(6)}`,
  '---leading and trailing---',
  'Ørsted Łódź Þór Æsir Œuvre',
];

describe('slackChannelName', () => {
  it.each([
    ['Café', 'cafe'],
    ['Straße', 'strasse'],
    ['inc-20261125 Checkout 5xx', 'inc-20261125-checkout-5xx'],
    ['  #Inc 2026/11/25 — Checkout 5xx!! ', 'inc-2026-11-25-checkout-5xx'],
    ['ＡＰＩ　５ｘｘ', 'api-5xx'],
    ['db_failover', 'db_failover'],
    ['inc-🔥-api', 'inc-api'],
  ])('%s → %s', (desired, expected) => {
    expect(slackChannelName(desired)).toBe(expected);
  });

  it.each(nasty)('makes %s into a name Slack accepts', (desired) => {
    const name = slackChannelName(desired);
    expect(name).toMatch(SLACK_OK);
    expect(name).not.toMatch(/--|^-|-$/);
  });

  it('cuts a long title to 80 characters without a dangling dash', () => {
    const name = slackChannelName(`inc-20261125-${'checkout '.repeat(20)}`);
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^inc-20261125-checkout-checkout/);
    expect(name.endsWith('-')).toBe(false);
  });

  it('refuses a name with nothing usable in it, in one sentence', () => {
    for (const desired of ['🔥🔥🔥', '___', '', 'Пожар']) {
      expect(() => slackChannelName(desired)).toThrow(ChannelNameError);
    }
    expect(() => slackChannelName('🔥')).toThrow('"🔥" has no letter or digit that can go into a Slack channel name (a-z, 0-9, - and _): add some, e.g. "inc-checkout".');
  });

  it('numbers taken names within 80 characters', () => {
    const long = slackChannelName('x'.repeat(100));
    expect(long).toHaveLength(80);
    expect(slackChannelNameCandidate(long, 1)).toBe(long);
    expect(slackChannelNameCandidate(long, 2)).toBe(`${'x'.repeat(78)}-2`);
    expect(slackChannelNameCandidate(long, 20)).toBe(`${'x'.repeat(77)}-20`);
    // No double dash when the cut lands on one.
    expect(slackChannelNameCandidate(`${'a'.repeat(77)}-bc`, 2)).toBe(`${'a'.repeat(77)}-2`);
    expect(slackChannelNameCandidate('inc-api', 3)).toBe('inc-api-3');
  });
});

describe('discordChannelName', () => {
  it('follows the same rules within Discord’s 100 characters', () => {
    expect(discordChannelName('inc-20261125 Checkout 5xx')).toBe('inc-20261125-checkout-5xx');
    expect(discordChannelName('Café')).toBe('cafe');
    for (const desired of nasty) expect(discordChannelName(desired)).toMatch(/^[a-z0-9_-]{1,100}$/);
    expect(discordChannelName('y'.repeat(150))).toHaveLength(100);
    expect(discordChannelNameCandidate('y'.repeat(100), 2)).toBe(`${'y'.repeat(98)}-2`);
    expect(() => discordChannelName('🚒')).toThrow(/no letter or digit that can go into a Discord channel name/);
  });
});
