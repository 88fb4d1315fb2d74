import { describe, expect, it } from 'vitest';
import { alertGroupLink, incidentToJoin } from '../../src/incidents/alert-links.js';
import { groupFixture } from '../support/alert-fixtures.js';
import { incidentFixture } from '../support/incident-fixtures.js';

describe('alert groups and incidents', () => {
  const open = [incidentFixture({ id: 'INC-9', service: 'search' }), incidentFixture({ id: 'INC-8', service: 'api' }), incidentFixture({ id: 'INC-5', service: 'api' })];

  it('a firing group joins the first listed (newest) open incident about its service', () => {
    expect(incidentToJoin(groupFixture({ service: 'api' }), open)?.id).toBe('INC-8');
  });

  it('a group without a service, one already in an incident, or one whose service has no open incident joins none', () => {
    expect(incidentToJoin(groupFixture({ service: null }), open)).toBeNull();
    expect(incidentToJoin(groupFixture({ service: 'api', incidentId: 'INC-5' }), open)).toBeNull();
    expect(incidentToJoin(groupFixture({ service: 'billing' }), open)).toBeNull();
  });

  it('linking a group already linked is no change; a new one is recorded without restarting the status clock', () => {
    expect(alertGroupLink(incidentFixture({ alertGroups: ['42'] }), '42')).toBeNull();
    expect(alertGroupLink(incidentFixture({ alertGroups: ['41'] }), '42')).toEqual({
      restartsStatusClock: false,
      event: { kind: 'incident.alert-linked', text: 'INC-7: alert group 42 linked', detail: { group: '42' } },
    });
  });
});
