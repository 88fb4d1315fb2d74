import { describe, expect, it } from 'vitest';
import { MAX_DIGEST_PAGES, planDigest, renderDigestOver, renderDigestPage } from '../../src/alerts/storm-digest.js';
import { renderDiscord } from '../../src/chat/discord/render.js';
import { renderBlocks, slackLimits } from '../../src/chat/slack/render.js';
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
    const page = renderDigestPage(planDigest(groups, 'slack', now), 1, 'incidents', 50, now);
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

  /** The digest's pages as Discord gets them, each checked against Discord's embed limits. */
  function discordPages(plan: ReturnType<typeof planDigest>) {
    return Array.from({ length: plan.pages }, (_, i) => {
      const reply = renderDigestPage(plan, i + 1, 'incidents', 50, now);
      const message = renderDiscord(reply, new Redactor());
      expect(message.embeds).toHaveLength(1);
      const e = message.embeds[0]!;
      const fields = e.fields ?? [];
      expect(e.title!.length).toBeLessThanOrEqual(256);
      expect(e.description!.length).toBeLessThanOrEqual(4096);
      expect(fields.length).toBeLessThanOrEqual(25);
      for (const f of fields) {
        expect(f.name.length).toBeGreaterThan(0);
        expect(f.value.length).toBeLessThanOrEqual(1024);
      }
      const total = e.title!.length + e.description!.length + (e.footer?.text.length ?? 0) + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
      expect(total).toBeLessThanOrEqual(6000);
      const shown = [e.description!, ...fields.map((f) => f.value)].join('\n');
      // Nothing on a page was cut off or left out for want of room.
      expect(shown).not.toMatch(/… and \d+ more/);
      return { reply, shown };
    });
  }

  it('shows all 350 groups of a storm on Discord, each on one line, within Discord\'s embed limits', () => {
    const services = ['api', 'checkout', 'payments-gateway', 'search', 'worker'];
    const groups = Array.from({ length: 350 }, (_, i) =>
      groupFixture({
        id: String(i),
        alertname: `HighErrorRate${String(i).padStart(3, '0')}`,
        service: services[i % services.length]!,
        severity: ['critical', 'warning', 'info'][i % 3]!,
        firstFiredAt: at(i % 90),
        ...(i % 7 === 0 ? { acknowledged: { by: { platform: 'discord', id: '1', name: 'alice' }, at: now } } : {}),
      }),
    );
    const plan = planDigest(groups, 'discord', now);
    expect(plan.unlisted).toBe(0);
    expect(plan.pages).toBeLessThan(MAX_DIGEST_PAGES);
    const shown = discordPages(plan).map((p) => p.shown).join('\n');
    for (const g of groups) expect(shown).toContain(`**${g.alertname}** · ${g.service} · ${g.severity}`);
    expect(renderDigestPage(plan, plan.pages, 'incidents', 50, now).context).toBeUndefined();
  });

  it('pages to fit Discord even with every cell at its longest: still all of 350 groups; past the pages the rest are counted', () => {
    const long = 'x'.repeat(200);
    const groups = Array.from({ length: 400 }, (_, i) =>
      groupFixture({ id: String(i), alertname: `Alert${i}-${long}`, service: long, severity: long, firingCount: 999, resolvedCount: 999, firstFiredAt: new Date('2026-11-24T23:59:00Z'), acknowledged: { by: { platform: 'discord', id: '1', name: long }, at: now } }),
    );
    const plan = planDigest(groups, 'discord', now);
    expect(plan.pages).toBe(MAX_DIGEST_PAGES);
    expect(plan.listed).toBeGreaterThanOrEqual(350);
    expect(plan.listed + plan.unlisted).toBe(400);
    const pages = discordPages(plan);
    const shown = pages.map((p) => p.shown).join('\n');
    for (const { reply } of pages) for (const r of reply.rows!) expect(shown).toContain(`**${r.cells[0]}** · ${r.cells.slice(1).join(' · ')}`);
    for (const g of plan.groups.slice(0, 350)) expect(shown).toContain(`**Alert${g.id}-x`);
    expect(renderDigestPage(plan, plan.pages, 'incidents', 50, now).context).toBe(`and ${plan.unlisted} more groups: /alerts lists every firing group`);
    const slack = planDigest(groups, 'slack', now);
    expect(slack.pages).toBe(5);
    const blocks = renderBlocks(renderDigestPage(slack, 1, 'incidents', 50, now), {}, { redactor: new Redactor() }).blocks;
    expect(blocks.length).toBeLessThanOrEqual(slackLimits.blocks);
    expect(JSON.stringify(blocks)).not.toContain('Output shortened');
  });

  it('a page the storm has shrunk away from says so; the end says how long it lasted', () => {
    const plan = planDigest([groupFixture()], 'slack', now);
    expect(renderDigestPage(plan, 2, 'incidents', 50, now)).toMatchObject({ title: 'Alert storm in #incidents (page 2)', status: 'info' });
    expect(renderDigestOver(1, 'incidents', at(6), now)).toMatchObject({ title: 'Alert storm in #incidents is over', status: 'ok', text: 'Every group is on its own card now. It lasted 6 min (from 14:14 UTC).' });
  });
});

describe('health-watch groups in the digest', () => {
  it('name their check where a service would be, so two datastore checks are told apart', () => {
    const watch = (check: string, id: string) =>
      groupFixture({ id, source: 'watch', alertname: 'HealthCheckFailing', service: null, groupKey: `watch:${check}`, commonLabels: { alertname: 'HealthCheckFailing', check, severity: 'critical' } });
    const when = new Date('2026-11-25T14:20:00Z');
    const page = renderDigestPage(planDigest([watch('postgres', '1'), watch('redis', '2')], 'slack', when), 1, 'incidents', 50, when);
    expect(page.rows!.map((r) => r.cells.slice(0, 2)).sort()).toEqual([['HealthCheckFailing', 'check postgres'], ['HealthCheckFailing', 'check redis']]);
  });
});
