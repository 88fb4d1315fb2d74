import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { hasRole } from '../../src/core/guards.js';

const { config } = parseConfigText(
  `
roles:
  responders: ["slack:U024BE7LH", "discord:carol", "console:oncall"]
  admins: ["discord:80351110224678912"]
`,
  'roles.yml',
  {},
);

describe('roles', () => {
  it('match a Slack member by id only: a display name copied from a colleague gets nothing', () => {
    expect(hasRole(config, { platform: 'slack', id: 'U024BE7LH', name: 'Alice' }, 'responders')).toBe(true);
    // Mallory sets her display name to Alice's member id: still Mallory.
    expect(hasRole(config, { platform: 'slack', id: 'U0MALLORY', name: 'U024BE7LH' }, 'responders')).toBe(false);
  });

  it('match Discord and console users by id or by their unique username', () => {
    expect(hasRole(config, { platform: 'discord', id: '111', name: 'carol', handle: 'carol' }, 'responders')).toBe(true);
    expect(hasRole(config, { platform: 'console', id: 'oncall', name: 'oncall', handle: 'oncall' }, 'responders')).toBe(true);
    expect(hasRole(config, { platform: 'discord', id: '222', name: 'carol' }, 'responders')).toBe(false);
  });

  it('let admins do what responders may, and nobody else', () => {
    expect(hasRole(config, { platform: 'discord', id: '80351110224678912', name: 'bob', handle: 'bob' }, 'responders')).toBe(true);
    expect(hasRole(config, { platform: 'slack', id: 'U024BE7LH', name: 'Alice' }, 'admins')).toBe(false);
  });
});
