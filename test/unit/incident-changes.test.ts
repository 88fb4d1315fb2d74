import { describe, expect, it } from 'vitest';
import { actionItemEvent, channelChange, declaredEvent, roleChange, severityChange, statusChange, updateEvent } from '../../src/incidents/incident-changes.js';
import { alice, bob, incidentFixture } from '../support/incident-fixtures.js';

const incident = incidentFixture();

describe('what a change to an incident means', () => {
  it('a status it already has is no change; another is recorded from → to, with the note, and restarts the status clock', () => {
    expect(statusChange(incident, 'investigating', 'still looking')).toBeNull();
    expect(statusChange(incident, 'identified', null)).toEqual({
      restartsStatusClock: true,
      event: { kind: 'incident.status', text: 'INC-7 investigating → identified', detail: { from: 'investigating', to: 'identified', note: null } },
    });
    expect(statusChange(incident, 'resolved', 'rolled back')?.event).toEqual({
      kind: 'incident.status',
      text: 'INC-7 investigating → resolved: rolled back',
      detail: { from: 'investigating', to: 'resolved', note: 'rolled back' },
    });
  });

  it('a severity it already has is no change; another is recorded and restarts the status clock', () => {
    expect(severityChange(incident, 'sev2')).toBeNull();
    expect(severityChange(incident, 'sev1')).toEqual({
      restartsStatusClock: true,
      event: { kind: 'incident.severity', text: 'INC-7 sev2 → sev1', detail: { from: 'sev2', to: 'sev1' } },
    });
  });

  it('a role is the same holder by platform and id (not by name); a new holder or an unassignment is recorded without restarting the clock', () => {
    expect(roleChange(incident, 'lead', { ...alice, name: 'Alice A.' })).toBeNull();
    expect(roleChange(incident, 'comms', null)).toBeNull();
    expect(roleChange(incident, 'lead', { ...alice, platform: 'discord' })).not.toBeNull();
    expect(roleChange(incident, 'lead', bob)).toEqual({
      restartsStatusClock: false,
      event: { kind: 'incident.role', text: 'INC-7 lead: bob (was alice)', detail: { role: 'lead', from: 'alice', to: 'bob', toId: 'slack:U2' } },
    });
    expect(roleChange(incident, 'scribe', bob)?.event.text).toBe('INC-7 scribe: bob');
    expect(roleChange(incident, 'lead', null)?.event).toEqual({
      kind: 'incident.role',
      text: 'INC-7 lead: unassigned (was alice)',
      detail: { role: 'lead', from: 'alice', to: null, toId: null },
    });
  });

  it('the same channel is no change; a new one says whether it is the incident\'s own', () => {
    expect(channelChange(incident, { ...incident.channel! })).toBeNull();
    expect(channelChange(incident, { ...incident.channel!, name: 'inc-renamed' })?.event.text).toBe('INC-7 runs in #inc-renamed');
    expect(channelChange(incidentFixture({ channel: null }), { platform: 'slack', id: 'C1', name: 'incidents', own: false })).toEqual({
      restartsStatusClock: false,
      event: {
        kind: 'incident.channel',
        text: 'INC-7 runs in #incidents (its own channel could not be created)',
        detail: { platform: 'slack', channelId: 'C1', name: 'incidents', own: false },
      },
    });
  });

  it('a declaration, an action item and a status update each have their event', () => {
    expect(declaredEvent(incidentFixture({ service: null }), null, ['12'])).toEqual({
      kind: 'incident.declared',
      text: 'INC-7 declared: checkout 5xx (sev2)',
      detail: { title: 'checkout 5xx', severity: 'sev2', source: 'slack:delivery-1', lead: null, service: null, alertGroups: ['12'] },
    });
    expect(declaredEvent(incident, alice, []).detail.lead).toBe('alice');
    const item = { id: '3', incidentId: 'INC-7', text: 'alert on 5xx earlier', by: bob, at: new Date(), done: false };
    expect(actionItemEvent(incident, item)).toEqual({ kind: 'incident.action-item', text: 'INC-7 action item: alert on 5xx earlier', detail: { item: '3', text: 'alert on 5xx earlier' } });
    expect(updateEvent('error rate back to normal')).toEqual({ kind: 'incident.update', text: 'error rate back to normal', detail: {} });
  });
});
