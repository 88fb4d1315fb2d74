import { describe, expect, it } from 'vitest';
import { channelNameFor as consoleChannelName } from '../../src/chat/console/chat-port.js';
import { discordChannelName, discordChannelNameCandidate } from '../../src/chat/discord/channel-name.js';
import { slackChannelName, slackChannelNameCandidate } from '../../src/chat/slack/channel-name.js';
import { incidentChannelName } from '../../src/incidents/channel-name.js';

const at = new Date('2026-11-25T23:59:00Z');
const name = (title: string, prefix = 'inc-') => incidentChannelName({ prefix, title, declaredAt: at, incidentId: 'INC-42' });

describe('incident channel names', () => {
  it.each([
    ['checkout 5xx', 'inc-20261125-checkout-5xx'],
    ['Checkout 5XX!!!', 'inc-20261125-checkout-5xx'],
    ['Café Crème: Zahlungsausfall über Straße 5', 'inc-20261125-cafe-creme-zahlungsausfall-uber-strasse-5'],
    ['🔥 checkout 5xx 🔥', 'inc-20261125-checkout-5xx'],
    ['決済 error 5xx', 'inc-20261125-error-5xx'],
    ['ＡＰＩ　５ｘｘ', 'inc-20261125-api-5xx'],
  ])('%s → %s', (title, expected) => {
    expect(name(title)).toBe(expected);
  });

  it('uses the UTC day it was declared', () => {
    expect(incidentChannelName({ prefix: 'inc-', title: 'x', declaredAt: new Date('2026-12-31T23:30:00-05:00'), incidentId: 'INC-1' })).toBe('inc-20270101-x');
  });

  it('falls back to the incident id when the title has nothing a channel name can use (only emoji, another script)', () => {
    expect(name('🔥🔥🔥')).toBe('inc-20261125-inc-42');
    expect(name('決済エラー')).toBe('inc-20261125-inc-42');
  });

  it('uses the configured prefix', () => {
    expect(name('api down', 'sev-')).toBe('sev-20261125-api-down');
  });

  it('cuts a long title at a word, leaving room for -NN within Slack’s 80 characters', () => {
    const n = name('the checkout service returns 5xx for every customer in the eu region after the 14:02 deploy of payments v2.3');
    expect(n.length).toBeLessThanOrEqual(76);
    expect(n).toMatch(/^inc-20261125-the-checkout-service-returns-5xx-for-every-customer-in-the(-[a-z0-9]+)*$/);
    expect(n).not.toMatch(/-$/);
    expect(slackChannelNameCandidate(slackChannelName(n), 99)).toBe(`${n}-99`);
  });

  it.each(['checkout 5xx', 'Café Crème über Straße', '🔥 db failover 🔥', 'x'.repeat(300), '決済エラー', 'inc/2026.11.25: api (EU) & payments'])(
    'every platform keeps the name of %s as it is, and numbers a taken one within its limits',
    (title) => {
      const n = name(title);
      expect(slackChannelName(n)).toBe(n);
      expect(discordChannelName(n)).toBe(n);
      expect(consoleChannelName(n)).toBe(n);
      expect(slackChannelNameCandidate(n, 2)).toBe(`${n}-2`);
      expect(discordChannelNameCandidate(n, 3)).toBe(`${n}-3`);
      expect(n).toMatch(/^[a-z0-9_-]{1,80}$/);
    },
  );
});
