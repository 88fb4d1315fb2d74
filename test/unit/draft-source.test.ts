import { describe, expect, it } from 'vitest';
import { storeDraftSource } from '../../src/postmortems/draft-source.js';
import { alertGroup, alertmanager, alice, baseIncident, bob, Script, T } from '../support/scripted-incident.js';

describe('loading a draft from the stores', () => {
  it('reads the incident’s events and its alert groups’ (received before it existed), in order, without another incident’s or the group’s later life', async () => {
    const s = new Script();
    s.at('10:00:05');
    await s.record({ invocationId: 'alert-group:g1', incidentId: null, kind: 'alert.received', actor: alertmanager, text: 'HighErrorRate fired' });
    s.at('10:01:10');
    await s.record({ kind: 'incident.declared', actor: bob, text: 'checkout 5xx' });
    await s.record({ incidentId: 'INC-8', kind: 'note', actor: alice, text: 'another incident' });
    s.at('10:02:00');
    await s.record({ invocationId: 'alert-group:g1', kind: 'alert.acknowledged', actor: bob, text: 'acknowledged' });
    s.at('10:30:00');
    await s.record({ kind: 'incident.status', actor: alice, text: '', detail: { to: 'resolved' } });
    s.at('11:45:00');
    await s.record({ invocationId: 'alert-group:g1', incidentId: null, kind: 'alert.received', actor: alertmanager, text: 'fired again later' });
    const incident = baseIncident({ alertGroups: ['g1'] });
    const source = storeDraftSource({
      incidents: { get: async (id) => (id === 'INC-7' ? incident : null), listActionItems: async () => [] },
      timeline: s.timeline,
      alerts: { get: async (id) => (id === 'g1' ? alertGroup() : null) },
      draftUrl: (id) => `https://fb.example.com/incidents/${id}/postmortem.md`,
      now: () => new Date(T('12:00:00')),
    });
    const input = await source.load('INC-7');
    expect(input!.events.map((e) => e.text)).toEqual(['HighErrorRate fired', 'checkout 5xx', 'acknowledged', '']);
    expect(input!.alerts.map((g) => g.id)).toEqual(['g1']);
    expect(input!.draftUrl).toBe('https://fb.example.com/incidents/INC-7/postmortem.md');
    expect(await source.load('INC-9')).toBeNull();
  });
});
