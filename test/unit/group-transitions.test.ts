import { describe, expect, it } from 'vitest';
import { groupTransition, startsNewEpisode } from '../../src/alerts/group-transitions.js';

describe("an alert group's transitions", () => {
  it('a new group opens when it fires, and is resolved at once when its first notification is a resolution', () => {
    expect(groupTransition(null, 'firing')).toBe('opened');
    expect(groupTransition(null, 'resolved')).toBe('resolved');
  });

  it('firing → resolved resolves, resolved → firing refires, the same status again is an update', () => {
    expect(groupTransition('firing', 'resolved')).toBe('resolved');
    expect(groupTransition('resolved', 'firing')).toBe('refired');
    expect(groupTransition('firing', 'firing')).toBe('updated');
    expect(groupTransition('resolved', 'resolved')).toBe('updated');
  });

  it('only a refire starts a new episode (acknowledgement and escalation start over)', () => {
    expect(startsNewEpisode('refired')).toBe(true);
    for (const t of ['opened', 'updated', 'resolved'] as const) expect(startsNewEpisode(t)).toBe(false);
  });
});
