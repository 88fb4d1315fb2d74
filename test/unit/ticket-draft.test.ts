import { describe, expect, it } from 'vitest';
import type { DraftInput } from '../../src/postmortems/draft-input.js';
import { buildDraft } from '../../src/postmortems/draft-markdown.js';
import { ticketDraft } from '../../src/postmortems/ticket-draft.js';
import { alertGroup, alice, baseIncident, bob, Script, scriptedIncident, T } from '../support/scripted-incident.js';

describe('the draft as filed', () => {
  it('is the whole draft when it fits, titled for the ticket, with its action items', async () => {
    const input = await scriptedIncident();
    const d = ticketDraft(input);
    expect(d.title).toBe('Post-mortem: INC-7 checkout 5xx');
    expect(d.markdown).toBe(buildDraft(input));
    expect(d.actionItems).toEqual([
      { id: '1', text: 'Add a canary step to the api deploy pipeline' },
      { id: '2', text: 'Alert on checkout p99 latency, not only 5xx | owner: carol' },
    ]);
  });

  it('a long incident is cut to fit GitHub and Jira, keeping the action items and the sections for people', async () => {
    const s = new Script();
    s.at('10:00:00');
    for (let i = 0; i < 3000; i++) await s.record({ kind: 'note', actor: i % 2 ? alice : bob, text: `note ${i}: still looking | nothing yet` });
    const input: DraftInput = {
      incident: baseIncident(),
      events: s.repo.events,
      alerts: [alertGroup()],
      actionItems: [{ id: '1', incidentId: 'INC-7', text: 'Write the runbook for this', by: alice, at: new Date(T('10:50:00')), done: false }],
      draftUrl: 'https://fb.example.com/incidents/INC-7/postmortem.md?exp=1&sig=x',
      now: new Date(T('11:00:00')),
    };
    const d = ticketDraft(input);
    expect(d.markdown.length).toBeLessThanOrEqual(65_536);
    expect(d.markdown).toContain('- [ ] Write the runbook for this');
    expect(d.markdown).toContain('\n## Lessons\n');
    const adf = JSON.stringify(d.adf);
    expect(adf.length).toBeLessThanOrEqual(32_767);
    expect(adf).toContain('"localId":"action-item-1","state":"TODO"');
    expect(adf).toContain('did not fit here; the ');
  });
});
