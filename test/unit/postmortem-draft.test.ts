import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildDraftAdf, type AdfDoc } from '../../src/postmortems/draft-adf.js';
import type { DraftInput } from '../../src/postmortems/draft-input.js';
import { buildDraft, escapeMarkdown } from '../../src/postmortems/draft-markdown.js';
import { keyTimes } from '../../src/postmortems/key-times.js';
import { alertGroup, alertmanager, alice, baseIncident, bob, carol, mallory, Script, scriptedIncident, SECRETS, T } from '../support/scripted-incident.js';

/**
 * The post-mortem draft of a scripted incident, compared to committed files in
 * test/golden/postmortem/. After an intended change, regenerate with UPDATE_GOLDEN=1 and review the diff.
 */
const dir = new URL('../golden/postmortem/', import.meta.url);

function golden(name: string, text: string): void {
  const file = new URL(name, dir);
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, text);
  }
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** The rows of the Markdown table under a heading, each split into cells on unescaped pipes. */
function tableUnder(md: string, heading: string): string[][] {
  const start = md.indexOf(`\n${heading}\n`);
  expect(start, `no "${heading}" in the draft`).toBeGreaterThan(-1);
  const lines = md.slice(start + heading.length + 2).split('\n');
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  }
  return rows.slice(2); // header and delimiter
}

function adfText(doc: AdfDoc): string {
  return JSON.stringify(doc);
}

describe('post-mortem draft golden files (test/golden/postmortem/)', () => {
  it('a scripted incident as Markdown', async () => {
    golden('incident.md', buildDraft(await scriptedIncident()));
  });

  it('the same incident as Jira ADF', async () => {
    golden('incident.adf.json', `${JSON.stringify(buildDraftAdf(await scriptedIncident()), null, 2)}\n`);
  });
});

describe('what the draft says about the scripted incident', () => {
  it('the first line counts the Timeline table\'s rows (issue 23: "(37 events)" above 28 rows)', async () => {
    const md = buildDraft(await scriptedIncident());
    const rows = tableUnder(md, '## Timeline');
    const counted = /timeline \((\d+) events?/.exec(md);
    expect(counted?.[1]).toBe(String(rows.length));
  });

  it('lists every command and button in order, with who asked and who confirmed, denials and failures included', async () => {
    const rows = tableUnder(buildDraft(await scriptedIncident()), '## What we ran');
    expect(rows.map((r) => [r[0], r[2], r[3], r[4], r[5], r[6]])).toEqual([
      ['1', '/status api', 'bob', '', 'ok', ''],
      ['2', '/scale api 40', 'mallory', '', 'denied', ''],
      ['3', '/rollback api', 'alice', 'bob', 'ok', '0'],
      ['4', '/run purge-cdn path=/checkout/\\*', 'bob', '', 'failed', '22'],
      ['5', '/run flush-cache scope=checkout', 'alice', '', 'ok', ''],
      ['6', '/rollback api', 'bob', '', 'cancelled by alice', ''],
    ]);
  });

  it('shows the exact argv and the HTTP request line in code blocks, and the output excerpt', async () => {
    const md = buildDraft(await scriptedIncident());
    expect(md).toContain('```\nkubectl --context prod -n shop rollout undo deployment/api --to-revision=13\n```');
    expect(md).toContain('HTTP request:\n\n```\nPOST https://cache-admin.internal/flush?key=***&scope=checkout\n```');
    expect(md).toContain('```\ncurl: (22) The requested URL returned error: 403\nsent Authorization: Bearer ***\n```');
  });

  it('the timeline has notes, status updates and 📌 messages, each a row of exactly three cells', async () => {
    const rows = tableUnder(buildDraft(await scriptedIncident()), '## Timeline');
    expect(rows.every((r) => r.length === 3)).toBe(true);
    const what = rows.map((r) => r[2]);
    expect(what).toContain('Note: Error rate 38% on /checkout \\| started right after the 09:55 deploy of api 2.14.0');
    expect(what).toContain('Status update: Checkout errors are back to baseline after the rollback; we are monitoring.');
    expect(what).toContain('Status → monitoring: error rate back under 1%');
    expect(rows.find((r) => r[2]!.startsWith('📌 Payments provider'))?.[1]).toBe('carol');
    // A marked message is shown under its author, saying who marked it.
    expect(rows.find((r) => r[1] === 'dave')?.[2]).toMatch(/ \(marked by alice\)$/);
  });

  it('action items are checkboxes', async () => {
    const md = buildDraft(await scriptedIncident());
    expect(md).toContain('- [ ] Add a canary step to the api deploy pipeline (alice, 2026-11-25 10:22:00 UTC)\n');
    expect(md).toContain('- [x] Alert on checkout p99 latency, not only 5xx \\| owner: carol (carol, 2026-11-25 10:23:00 UTC)\n');
  });

  it('ends with the headed empty sections for people to write', async () => {
    const md = buildDraft(await scriptedIncident());
    const headings = [...md.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings.slice(-5)).toEqual(['Impact', 'Root cause', 'What went well', 'What went badly', 'Lessons']);
  });

  it('ADF keeps the tables, code blocks and task list, and no text node is empty', async () => {
    const doc = buildDraftAdf(await scriptedIncident());
    const types = doc.content.map((b) => b.type);
    expect(types.filter((t) => t === 'table')).toHaveLength(4); // key times, what we ran, alerts, timeline
    expect(types).toContain('codeBlock');
    expect(types).toContain('taskList');
    const texts: string[] = [];
    JSON.stringify(doc, (k, v: unknown) => {
      if (k === 'text') texts.push(v as string);
      return v;
    });
    expect(texts.filter((t) => t === '')).toEqual([]);
    const code = doc.content.filter((b) => b.type === 'codeBlock').map((b) => ('content' in b ? b.content?.[0]?.text : ''));
    expect(code).toContain('kubectl --context prod -n shop rollout undo deployment/api --to-revision=13');
    // ADF is JSON: text is kept as typed, with no Markdown escapes.
    expect(adfText(doc)).toContain('Error rate 38% on /checkout | started right after');
  });
});

describe('secrets in the draft', () => {
  it('a secret-valued argument and header, masked by the timeline, never appear in the Markdown or the ADF', async () => {
    const input = await scriptedIncident();
    // The rows hold the masked form: the timeline masked them when they were recorded.
    expect(JSON.stringify(input.events)).not.toContain(SECRETS.cdnToken);
    expect(JSON.stringify(input.events)).not.toContain(SECRETS.cacheKey);
    const md = buildDraft(input);
    const adf = adfText(buildDraftAdf(input));
    for (const secret of Object.values(SECRETS)) {
      expect(md).not.toContain(secret);
      expect(adf).not.toContain(secret);
    }
    expect(md).toContain("-H 'Authorization: Bearer ***'");
    expect(adf).toContain("-H 'Authorization: Bearer ***'");
  });

  it('shows exactly what was stored: the builder reads rows, it cannot un-mask them', async () => {
    const input = await scriptedIncident();
    const purge = input.events.find((e) => e.kind === 'action.started' && e.detail.action === 'purge-cdn')!;
    // Whatever the rows hold is what the draft shows, character for character.
    const stored = ['curl', '-H', 'Authorization: Bearer ***', 'stored-as-is'];
    const tampered: DraftInput = { ...input, events: input.events.map((e) => (e.invocationId === purge.invocationId && e.argv ? { ...e, argv: stored } : e)) };
    const md = buildDraft(tampered);
    expect(md).toContain("curl -H 'Authorization: Bearer ***' stored-as-is");
  });
});

describe('untrusted text cannot become markup', () => {
  it('escapes Markdown punctuation, HTML and table pipes, and quiets @mentions', () => {
    expect(escapeMarkdown('a | b')).toBe('a \\| b');
    expect(escapeMarkdown('<img src=x onerror=alert(1)> &amp;')).toBe('&lt;img src=x onerror=alert(1)&gt; &amp;amp;');
    expect(escapeMarkdown('*bold* _it_ `code` [x](y) ~~s~~ $m$ \\')).toBe('\\*bold\\* \\_it\\_ \\`code\\` \\[x\\](y) \\~\\~s\\~\\~ \\$m\\$ \\\\');
    expect(escapeMarkdown('cc @oncall-team and @acme/sre, not bob@example.com')).toBe('cc `@oncall-team` and `@acme/sre`, not bob@example.com');
    expect(escapeMarkdown('two\nlines')).toBe('two lines');
  });

  it('a message that looks like a heading, list or HTML stays text in the draft', async () => {
    const s = new Script();
    s.at('10:00:00');
    await s.record({ kind: 'incident.declared', actor: bob, text: 'x' });
    await s.record({ kind: 'note', actor: bob, text: '# heading\n- item\n<script>alert(1)</script>' });
    const input: DraftInput = { incident: baseIncident({ resolvedAt: null, status: 'investigating', title: '## <b>title</b> #' }), events: s.repo.events, alerts: [], actionItems: [{ id: '9', incidentId: 'INC-7', text: '# not a heading ](x)', by: alice, at: new Date(T('10:00:00')), done: false }], now: new Date(T('10:05:00')) };
    const md = buildDraft(input);
    expect(md).not.toMatch(/<script|<b>/);
    expect(md).toContain('Note: # heading - item &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(md.split('\n')[0]).toBe('# INC-7: \\#\\# &lt;b&gt;title&lt;/b&gt; \\# — post-mortem draft');
    expect(md).toContain('- [ ] # not a heading \\](x)');
  });

  it('a code block is fenced longer than any backtick run in it', async () => {
    const md = buildDraft(await scriptedIncident());
    expect(md).toContain('````\ndeployment.apps/api rolled back\n```\nnot the end of the block\n```\n````');
  });
});

describe('key times and their sources', () => {
  it('without alerts: started and detected are the declaration', () => {
    const incident = baseIncident({ alertGroups: [], resolvedAt: null, status: 'investigating' });
    const kt = keyTimes({ incident, events: [], alerts: [] });
    expect(kt.started).toEqual({ at: incident.declaredAt, source: 'declared by bob (no alert)' });
    expect(kt.detected).toEqual({ at: incident.declaredAt, source: 'declared by bob (no alert received)' });
    const md = buildDraft({ incident, events: [], alerts: [], actionItems: [], now: new Date(T('10:11:10')) });
    expect(tableUnder(md, '## Key times').slice(0, 2)).toEqual([
      ['Started', '2026-11-25 10:01:10', 'declared by bob (no alert)'],
      ['Detected', '2026-11-25 10:01:10', 'declared by bob (no alert received)'],
    ]);
    expect(md).toContain('No alerts were linked to this incident.');
    expect(md).toContain('- **Duration:** ongoing: 10 min 0 s so far\n');
  });

  it('without acknowledgement: not recorded, no TTA; a status change counts when no alert was acknowledged', async () => {
    const s = new Script();
    s.at('10:00:05');
    await s.record({ invocationId: 'alert-group:g1', incidentId: null, kind: 'alert.received', actor: alertmanager, text: 'HighErrorRate (api): 2 firing, 0 resolved — alertmanager', outcome: 'firing', detail: { group: 'g1' } });
    s.at('10:01:10');
    await s.record({ kind: 'incident.declared', actor: bob, text: 'checkout 5xx' });
    const incident = baseIncident({ resolvedAt: null, status: 'investigating' });
    const alerts = [alertGroup({ acknowledged: null, status: 'firing', resolvedAt: null })];
    const input: DraftInput = { incident, events: [...s.repo.events], alerts, actionItems: [], now: new Date(T('10:20:00')) };
    expect(keyTimes(input).acknowledged).toEqual({ at: null, source: 'not recorded (no alert acknowledgement, no status change)' });
    const md = buildDraft(input);
    expect(tableUnder(md, '## Key times')[2]).toEqual(['Acknowledged', '—', 'not recorded (no alert acknowledgement, no status change)']);
    expect(md).toContain('- **TTA** (time to acknowledge, detected → acknowledged): —\n');

    s.at('10:04:05');
    await s.record({ kind: 'incident.status', actor: alice, text: '', detail: { from: 'investigating', to: 'identified' } });
    const kt = keyTimes({ ...input, events: s.repo.events });
    expect(kt.acknowledged).toEqual({ at: new Date(T('10:04:05')), source: "the incident's first status change (→ identified) by alice; no alert was acknowledged" });
    expect(kt.ttaMs).toBe(4 * 60_000); // detected at 10:00:05 (the alert's receipt)
  });

  it('mitigated by status only: a denied and a failed action do not count', async () => {
    const s = new Script();
    s.at('10:01:10');
    await s.record({ kind: 'incident.declared', actor: bob, text: 'checkout 5xx' });
    s.at('10:03:00');
    await s.denied(mallory, 'restart', '/restart api', 'responders');
    s.at('10:04:00');
    const inv = s.newInvocation();
    await s.record({ invocationId: inv, kind: 'action.started', actor: alice, command: 'run', argv: ['flush'], detail: { action: 'flush' } });
    await s.outcome(alice, 'run', '/run flush', { status: 'failed', reply: { title: 'flush failed', status: 'error' }, execution: { argv: ['flush'], exitCode: 1, durationMs: 10, output: 'no' } }, { invocationId: inv });
    s.at('10:09:00');
    await s.record({ kind: 'incident.status', actor: carol, text: 'looks better', detail: { from: 'identified', to: 'monitoring' } });
    s.at('10:15:00');
    await s.record({ kind: 'incident.status', actor: alice, text: '', detail: { from: 'monitoring', to: 'resolved' } });
    const incident = baseIncident({ resolvedAt: new Date(T('10:15:00')) });
    const kt = keyTimes({ incident, events: s.repo.events, alerts: [] });
    expect(kt.mitigated).toEqual({ at: new Date(T('10:09:00')), source: 'status → monitoring by carol' });
    expect(kt.resolved).toEqual({ at: new Date(T('10:15:00')), source: 'status → resolved by alice' });
    expect(kt.ttmMs).toBe(7 * 60_000 + 50_000);
    expect(kt.ttrMs).toBe(13 * 60_000 + 50_000);
    const md = buildDraft({ incident, events: s.repo.events, alerts: [], actionItems: [], now: new Date(T('10:16:00')) });
    expect(tableUnder(md, '## Key times')[3]).toEqual(['Mitigated', '2026-11-25 10:09:00', 'status → monitoring by carol']);
  });

  it('a read-only action (a log grep) is never the mitigation, however its events were recorded', async () => {
    const s = new Script();
    s.at('10:01:10');
    await s.record({ kind: 'incident.declared', actor: bob, text: 'checkout 5xx' });
    // As /run records a read_only action: its outcome alone, marked readOnly.
    s.at('10:02:00');
    await s.outcome(alice, 'run', '/run errors', { status: 'ok', reply: { title: 'errors: done', status: 'ok' }, execution: { argv: ['grep', 'ERROR'], exitCode: 0, durationMs: 5, output: '3 ERROR timeout' }, detail: { action: 'errors', readOnly: true } });
    // Started and finished like a step (a procedure's read-only step, an older process): still not the fix.
    s.at('10:03:00');
    const unconfirmed = s.newInvocation();
    await s.record({ invocationId: unconfirmed, kind: 'action.started', actor: alice, command: 'run', argv: ['grep'], detail: { action: 'errors', readOnly: true } });
    await s.outcome(alice, 'run', '/run errors', { status: 'ok', reply: { title: 'errors: done', status: 'ok' }, execution: { argv: ['grep'], exitCode: 1, durationMs: 5, output: '' }, detail: { action: 'errors', readOnly: true } }, { invocationId: unconfirmed });
    s.at('10:04:00');
    await s.record({ kind: 'action.finished', actor: bob, command: 'run', text: 'Run errors?', outcome: 'ok', detail: { action: 'errors', readOnly: true, confirmedBy: 'bob' } });
    s.at('10:06:00');
    const fix = s.newInvocation();
    await s.record({ invocationId: fix, kind: 'action.started', actor: alice, command: 'run', argv: ['flush'], detail: { action: 'flush' } });
    await s.outcome(alice, 'run', '/run flush-cache', { status: 'ok', reply: { title: 'flush-cache: done', status: 'ok' }, execution: { argv: ['flush'], exitCode: 0, durationMs: 10, output: '' }, detail: { action: 'flush-cache', readOnly: false } }, { invocationId: fix });
    const kt = keyTimes({ incident: baseIncident(), events: s.repo.events, alerts: [] });
    expect(kt.mitigated).toEqual({ at: new Date(T('10:06:00')), source: 'first successful mutating action: /run flush-cache (by alice)' });
  });

  it('mitigated by the first successful mutating action when it came before status → monitoring', async () => {
    const kt = keyTimes(await scriptedIncident());
    expect(kt.mitigated).toEqual({ at: new Date(T('10:08:45')), source: 'first successful mutating action: /rollback api (requested by alice, confirmed by bob)' });
    expect(kt.acknowledged.source).toBe('HighErrorRate acknowledged by bob');
    expect(kt.started.source).toBe("first alert's startsAt (HighErrorRate)");
    expect(kt.detected.source).toBe('first alert received (HighErrorRate, from alertmanager)');
  });
});

describe('a draft cut to fit a ticket (maxChars)', () => {
  it('keeps the summary, key times, participants, action items and the sections for people, and says what was left out', async () => {
    const input = await scriptedIncident();
    const full = buildDraft(input);
    expect(buildDraft(input, { maxChars: full.length })).toBe(full);
    const md = buildDraft(input, { maxChars: 5000 });
    expect(md.length).toBeLessThanOrEqual(5000);
    for (const h of ['## Summary', '## Key times', '## What we ran', '## Timeline', '## Participants', '## Action items', '## Impact', '## Lessons']) expect(md).toContain(`\n${h}\n`);
    expect(md).toContain('- [ ] Add a canary step to the api deploy pipeline');
    expect(md).toMatch(/more rows? of this table did not fit here; the \[full draft\]\(<https:\/\/firebreak\.example\.com\/incidents\/INC-7\/postmortem\.md\?exp=/);
    // Kept rows are the first ones, in order.
    const kept = tableUnder(md, '## Timeline');
    expect(kept.map((r) => r[2])).toEqual(tableUnder(full, '## Timeline').slice(0, kept.length).map((r) => r[2]));
  });

  it('an incident with thousands of events fits a GitHub issue body, and its ADF fits as JSON', async () => {
    const s = new Script();
    s.at('10:00:00');
    for (let i = 0; i < 3000; i++) await s.record({ kind: 'note', actor: i % 2 ? alice : bob, text: `note ${i}: the error rate is ${i % 50}% | still looking` });
    const input: DraftInput = { incident: baseIncident(), events: s.repo.events, alerts: [alertGroup()], actionItems: [], draftUrl: 'https://fb.example.com/x', now: new Date(T('11:00:00')) };
    expect(buildDraft(input).length).toBeGreaterThan(65_536);
    expect(buildDraft(input, { maxChars: 65_536 }).length).toBeLessThanOrEqual(65_536);
    expect(JSON.stringify(buildDraftAdf(input, { maxChars: 32_000 })).length).toBeLessThanOrEqual(32_000);
  });
});
