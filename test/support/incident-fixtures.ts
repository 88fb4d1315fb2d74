import type { Actor } from '../../src/core/identity.js';
import type { Incident } from '../../src/incidents/model.js';

export const alice: Actor = { platform: 'slack', id: 'U1', name: 'alice' };
export const bob: Actor = { platform: 'slack', id: 'U2', name: 'bob' };

/** An open sev2 incident, led by alice, running in its own channel, as the store reads it. */
export function incidentFixture(over: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-7',
    title: 'checkout 5xx',
    severity: 'sev2',
    status: 'investigating',
    roles: { lead: alice, comms: null, scribe: null },
    declaredBy: alice,
    declaredAt: new Date('2026-11-25T14:00:00Z'),
    source: 'slack:delivery-1',
    channel: { platform: 'slack', id: 'C7', name: 'inc-20261125-checkout-5xx', own: true },
    alertGroups: [],
    service: 'checkout',
    resolvedAt: null,
    version: 1,
    ...over,
  };
}
