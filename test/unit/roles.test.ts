import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { channelAllowed, hasRole } from '../../src/core/guards.js';

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

describe('workspaces', () => {
  const limited = parseConfigText('chat:\n  workspaces: { discord: ["900000000000000001"] }\n', 'ws.yml', {}).config;
  const channel = (platform: string, workspace?: string) => ({ platform, id: 'C1', name: 'incidents', ...(workspace ? { workspace } : {}) });

  it('limit a platform to the servers listed, refusing other servers and DMs', () => {
    expect(channelAllowed(limited, channel('discord', '900000000000000001'))).toBe(true);
    expect(channelAllowed(limited, channel('discord', '900000000000000999'))).toBe(false);
    expect(channelAllowed(limited, channel('discord'))).toBe(false);
  });

  it('leave platforms without a list, and the console, as they were', () => {
    expect(channelAllowed(limited, channel('slack', 'T0OTHER'))).toBe(true);
    expect(channelAllowed(limited, channel('console'))).toBe(true);
    expect(channelAllowed(config, channel('discord', '900000000000000999'))).toBe(true);
  });

  it('refuse a guild id that is not one', () => {
    expect(() => parseConfigText('chat:\n  workspaces: { discord: ["my-server"] }\n', 'ws.yml', {})).toThrow(/chat\.workspaces\.discord\[0\]: must be a Discord server \(guild\) id/);
  });
});
