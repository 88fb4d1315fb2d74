import { describe, expect, it } from 'vitest';
import { renderFeedMessage } from '../../src/chat/console/render-feed.js';
import type { ConsoleMessage } from '../../src/core/console-messages.js';

const base: ConsoleMessage = {
  id: 7,
  channel: { id: 'C2', name: 'inc-20261125-checkout' },
  threadParentId: null,
  privateTo: null,
  reply: { title: 'Incident summary', status: 'info', buttons: [{ actionId: 'run:/help', label: 'Help' }] },
  pinned: false,
  createdAt: new Date(0),
  updatedAt: new Date(0),
  createdVersion: 3,
  version: 3,
};

describe('a posted message in the console', () => {
  it('says where it is and shows its buttons as action ids to press', () => {
    expect(renderFeedMessage(base, true)).toBe('── #inc-20261125-checkout · message 7 ──\nIncident summary\n  Buttons: [Help] run:/help');
  });

  it('marks an edit, a pin and a private message; a thread reply is indented under its parent', () => {
    expect(renderFeedMessage({ ...base, pinned: true }, false).split('\n')[0]).toBe('── #inc-20261125-checkout · message 7 · updated · pinned ──');
    expect(renderFeedMessage({ ...base, channel: null, privateTo: 'alice', reply: { title: 'Only you', status: 'info' } }, true)).toBe('── private · message 7 · only you can see this ──\nOnly you');
    expect(renderFeedMessage({ ...base, id: 8, threadParentId: 7, reply: { title: 'Acknowledged', status: 'ok' } }, true)).toBe(
      '    ── #inc-20261125-checkout · message 8 · reply to message 7 ──\n    Acknowledged',
    );
  });
});
