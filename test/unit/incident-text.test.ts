import { describe, expect, it } from 'vitest';
import { parsePerson, plainText } from '../../src/incidents/mentions.js';
import type { Incident } from '../../src/incidents/model.js';
import { announcementCard, incidentTopic, severityPicker, statusPicker, summaryCard } from '../../src/incidents/summary-card.js';

const slackAlice = { platform: 'slack', id: 'UALICE', name: 'alice' };
const discordAlice = { platform: 'discord', id: '111111111111111111', name: 'alice' };
const consoleAlice = { platform: 'console', id: 'alice', name: 'alice' };

describe('the person a command names', () => {
  it.each([
    [slackAlice, '<@U024BE7LH|bob>', { platform: 'slack', id: 'U024BE7LH', name: 'bob' }],
    [slackAlice, '<@U024BE7LH>', { platform: 'slack', id: 'U024BE7LH', name: 'U024BE7LH' }],
    [discordAlice, '<@222222222222222222|bob>', { platform: 'discord', id: '222222222222222222', name: 'bob' }],
    [discordAlice, '<@!222222222222222222>', { platform: 'discord', id: '222222222222222222', name: '222222222222222222' }],
    [consoleAlice, '@bob', { platform: 'console', id: 'bob', name: 'bob', handle: 'bob' }],
    [consoleAlice, 'bob', { platform: 'console', id: 'bob', name: 'bob', handle: 'bob' }],
    [slackAlice, 'me', slackAlice],
  ])('%o: %s', (by, text, person) => {
    expect(parsePerson(text, by)).toEqual({ ok: true, person });
  });

  it('refuses a bare display name on Slack and Discord: anyone can copy one', () => {
    expect(parsePerson('@bob', slackAlice)).toEqual({ ok: false, problem: `"@bob" is not a mention: pick the person from Slack's @ list so Firebreak gets their member id (or write "me").` });
    expect(parsePerson('bob', discordAlice)).toMatchObject({ ok: false, problem: expect.stringContaining("Discord's @ list") });
  });
});

describe('plain text from chat markup', () => {
  it('shows mentions, channels and links as people read them', () => {
    expect(plainText('ping <@U1|bob> in <#C1|incidents>: see <https://grafana.example/d/1|the dashboard> and <https://x.example> <!here>')).toBe(
      'ping @bob in #incidents: see the dashboard (https://grafana.example/d/1) and https://x.example @here',
    );
    expect(plainText('  two\n lines ')).toBe('two lines');
  });
});

const incident: Incident = {
  id: 'INC-7',
  title: 'checkout 5xx',
  severity: 'sev2',
  status: 'investigating',
  roles: { lead: consoleAlice, comms: null, scribe: { platform: 'console', id: 'carol', name: 'carol' } },
  declaredBy: consoleAlice,
  declaredAt: new Date('2026-11-25T14:02:00Z'),
  source: 'invocation:x',
  channel: { platform: 'console', id: 'C9', name: 'inc-20261125-checkout-5xx', own: true },
  alertGroups: ['12'],
  service: 'api',
  resolvedAt: null,
  version: 3,
};

describe('what an incident shows', () => {
  it('the topic: severity · status · lead · title', () => {
    expect(incidentTopic(incident)).toBe('SEV2 · investigating · lead @alice · checkout 5xx');
    expect(incidentTopic({ ...incident, roles: { lead: null, comms: null, scribe: null } })).toBe('SEV2 · investigating · lead nobody · checkout 5xx');
  });

  it('the summary card: title, severity, status, roles, start, alerts and the four buttons', () => {
    const card = summaryCard(incident, [{ id: '12', alertname: 'HighErrorRate', service: 'api', status: 'firing' }]);
    expect(card.title).toBe('INC-7: checkout 5xx');
    expect(card.fields).toEqual([
      { label: 'Severity', value: 'SEV2' },
      { label: 'Status', value: 'Investigating' },
      { label: 'Lead', value: '@alice' },
      { label: 'Scribe', value: '@carol' },
      { label: 'Started', value: '2026-11-25 14:02 UTC by @alice' },
      { label: 'Service', value: 'api' },
      { label: 'Alert', value: 'HighErrorRate (api) — firing' },
    ]);
    expect(card.buttons!.map((b) => [b.label, b.actionId])).toEqual([
      ['Update status', 'inc-status:INC-7'],
      ['Change severity', 'inc-sev:INC-7'],
      ['Take lead', 'inc-lead:INC-7'],
      ['Resolve', 'inc-resolve:INC-7'],
    ]);
    expect(card.buttons![3]!.confirm?.title).toBe('Resolve INC-7?');
    const resolved = summaryCard({ ...incident, status: 'resolved', resolvedAt: new Date('2026-11-25T15:10:00Z') });
    expect(resolved.fields).toContainEqual({ label: 'Resolved', value: '2026-11-25 15:10 UTC' });
    expect(resolved.buttons!.map((b) => b.label)).toEqual(['Reopen…']);
  });

  it('the announcement has Join while open, and none once resolved', () => {
    expect(announcementCard(incident).buttons).toEqual([{ actionId: 'inc-join:INC-7', label: 'Join', style: 'primary' }]);
    expect(announcementCard({ ...incident, status: 'resolved' }).buttons).toBeUndefined();
  });

  it('the pickers offer every other status and severity, privately', () => {
    expect(statusPicker(incident).buttons!.map((b) => b.actionId)).toEqual(['inc-status:INC-7:identified', 'inc-status:INC-7:monitoring', 'inc-status:INC-7:resolved']);
    expect(severityPicker(incident).buttons!.map((b) => b.actionId)).toEqual(['inc-sev:INC-7:1', 'inc-sev:INC-7:3', 'inc-sev:INC-7:4']);
    expect(statusPicker(incident).ephemeral).toBe(true);
  });
});
