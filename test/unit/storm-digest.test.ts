import { describe, expect, it } from 'vitest';
import { MAX_DIGEST_PAGES, planDigest, renderDigestOver, renderDigestPage } from '../../src/alerts/storm-digest.js';
import { renderDiscord } from '../../src/chat/discord/render-discord.js';
import { renderBlocks, slackLimits } from '../../src/chat/slack/render-blocks.js';
import { Redactor } from '../../src/core/redact.js';
import { groupFixture } from '../support/alert-fixtures.js';

const now = new Date('2026-11-25T14:20:00Z');
const at = (min: number) => new Date(now.getTime() - min * 60_000);

describe('the storm digest', () => {
  it('lists firing groups before resolved ones, the most severe first, newest first within a severity', () => {
    const groups = [
      groupFixture({ id: '1', alertname: 'OldWarning', severity: 'warning', firstFiredAt: at(30) }),
      groupFixture({ id: '2', alertname: 'NewWarning', severity: 'warning', firstFiredAt: at(1) }),
      groupFixture({ id: '3', alertname: 'Critical', severity: 'critical', firstFiredAt: at(20) }),
      groupFixture({ id: '4', alertname: 'Resolved', severity: 'critical', status: 'resolved', resolvedAt: at(0), firingCount: 0, resolvedCount: 2, firstFiredAt: at(2) }),
      groupFixture({ id: '5', alertname: 'NoSeverity', severity: null, firstFiredAt: at(3) }),
    ];
    const page = renderDigestPage(planDigest(groups, 'slack'), 1, 'incidents', 50, now);
    expect(page.rows?.map((r) => [r.status, r.cells[0]])).toEqual([
      ['error', 'Critical'],
      ['warning', 'NewWarning'],
      ['warning', 'OldWarning'],
      ['warning', 'NoSeverity'],
      ['ok', 'Resolved'],
    ]);
    expect(page.title).toBe('Alert storm in #incidents: 5 groups waiting for their own card');
    expect(page.text).toBe(
      "4 groups firing (8 alerts), 1 group resolved. Alert cards are posted or updated at most 50 a minute here; until a group's own card is up to date, its latest state is on this digest.",
    );
    expect(page.rows?.[4]?.cells[3]).toBe('resolved (2)');
    expect(page.buttons).toEqual([{ actionId: 'run:/alerts', label: 'List firing' }]);
  });

  it('pages to fit Discord (an embed of 4,000 characters) even with the longest names, and counts what no page has room for', () => {
    const long = 'x'.repeat(200);
    const groups = Array.from({ length: 400 }, (_, i) => groupFixture({ id: String(i), alertname: `${long}${i}`, service: long, severity: long, acknowledged: { by: { platform: 'discord', id: '1', name: long }, at: now } }));
    const plan = planDigest(groups, 'discord');
    expect(plan.pages).toBe(MAX_DIGEST_PAGES);
    expect(plan.unlisted).toBe(400 - MAX_DIGEST_PAGES * 20);
    for (let p = 1; p <= plan.pages; p++) {
      const reply = renderDigestPage(plan, p, 'incidents', 50, now);
      expect(reply.rows).toHaveLength(20);
      const embed = renderDiscord(reply, new Redactor()).embeds[0]!;
      // Discord cuts a longer description; within it, nothing is cut off.
      expect(embed.description!.length).toBeLessThan(4000);
      expect(embed.description).toContain(reply.rows!.at(-1)!.cells.slice(1).join(" · "));
    }
    expect(renderDigestPage(plan, plan.pages, 'incidents', 50, now).context).toBe('and 200 more groups: /alerts lists every firing group');
    const slack = planDigest(groups, 'slack');
    expect(slack.pages).toBe(5);
    const blocks = renderBlocks(renderDigestPage(slack, 1, 'incidents', 50, now), {}, { redactor: new Redactor() }).blocks;
    expect(blocks.length).toBeLessThanOrEqual(slackLimits.blocks);
    expect(JSON.stringify(blocks)).not.toContain('Output shortened');
  });

  it('a page the storm has shrunk away from says so; the end says how long it lasted', () => {
    const plan = planDigest([groupFixture()], 'slack');
    expect(renderDigestPage(plan, 2, 'incidents', 50, now)).toMatchObject({ title: 'Alert storm in #incidents (page 2)', status: 'info' });
    expect(renderDigestOver(1, 'incidents', at(6), now)).toMatchObject({ title: 'Alert storm in #incidents is over', status: 'ok', text: 'Every group is on its own card now. It lasted 6 min (from 14:14 UTC).' });
  });
});
