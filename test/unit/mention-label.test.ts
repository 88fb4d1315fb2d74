import { describe, expect, it } from 'vitest';
import { mentionLabel } from '../../src/alerts/escalation.js';

/** How a drill names whom an escalation step would call on (never the raw config id, never a ping). */
describe('mentionLabel', () => {
  it('names each kind of escalation mention as people read it', () => {
    expect(['console:bob', 'slack:S0ONCALL', 'slack:U024BE7LH', 'slack:W012A3CDE', 'discord:&123456789012345678', 'discord:223456789012345678'].map(mentionLabel)).toEqual([
      '@bob',
      'the Slack user group S0ONCALL',
      'Slack member U024BE7LH',
      'Slack member W012A3CDE',
      'the Discord role 123456789012345678',
      'Discord user 223456789012345678',
    ]);
  });
});
