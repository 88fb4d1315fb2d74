import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/identity.js';
import { matchesTimelineQuery } from '../../src/core/timeline-query.js';
import { timelineLine } from '../../src/incidents/timeline-lines.js';
import { declareForAlertGroup } from '../../src/incidents/alert-incidents.js';
import type { App } from '../../src/main.js';
import { ingestGroup } from '../support/alert-groups.js';
import { alice, bob, consoleChan, testApp } from '../support/app.js';

const RECORDER = resolve('test/fakes/record-argv.mjs');

/** "Who restarted api at 03:00?" without SQL (issue 23, item 2). */
describe('/timeline [SERVICE] [--since 6h] [--user alice] [--page N]', () => {
  let dir: string;
  let app: App;
  const send = (text: string, actor: Actor = alice) => app.dispatcher.dispatch({ actor, channel: consoleChan, input: { kind: 'text', text }, autoConfirm: true });
  const lines = (text: string | undefined) => (text ?? '').split('\n');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'firebreak-timeline-'));
    const tool = (name: string) => `[node, "${RECORDER}", "${join(dir, `${name}.json`)}", "restart", "{service}"]`;
    app = await testApp(`
roles:
  responders: ["console:alice", "console:bob"]
services:
  api:
    deploy: { kind: commands, restart: ${tool('api')}, timeout_s: 20 }
  worker:
    deploy: { kind: commands, restart: ${tool('worker')}, timeout_s: 20 }
`);
  }, 120_000);
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what was done to a service and its alerts, newest first, with the confirmation and run of each command; --user narrows to one person', async () => {
    await ingestGroup(app, { key: 'tl-1', alertname: 'ApiDown', service: 'api', severity: 'critical' });
    expect((await send('/restart api')).status).toBe('ok');
    expect((await send('/restart worker', bob)).status).toBe('ok');
    expect((await send('/restart api', bob)).status).toBe('ok');

    const api = await send('/timeline api');
    expect(api.status).toBe('ok');
    expect(api.reply.title).toMatch(/^Timeline for api: events 1–\d+, newest first$/);
    const shown = lines(api.reply.text);
    // Newest first: bob's restart of api, then alice's, then the alert that came before both.
    expect(shown[0]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d bob · /);
    expect(shown.at(-1)).toMatch(/alertmanager · alert\.received · ApiDown \(api\)/);
    expect(shown.filter((l) => /confirmation\.confirmed/.test(l))).toHaveLength(2);
    expect(shown.filter((l) => /action\.finished/.test(l)).map((l) => / (alice|bob) · /.exec(l)?.[1])).toEqual(['bob', 'alice']);
    expect(api.reply.text).not.toMatch(/worker/);

    const bobs = await send('/timeline api --user bob');
    expect(lines(bobs.reply.text).every((l) => / bob · /.test(l))).toBe(true);
    expect(bobs.reply.text).toMatch(/restart api/);
    expect(bobs.reply.text).not.toMatch(/ alice · |alertmanager/);

    // Everything, any service: worker's restart is there too.
    expect((await send('/timeline')).reply.text).toMatch(/restart worker/);
    // Nothing older than a minute ago is kept out by --since 6h; the store's rule is the domain's.
    const all = await app.ports.timeline.list({ limit: 10_000 });
    const page = await app.ports.timeline.page({ service: 'api', page: 1, pageSize: 1000 });
    expect(page.events.map((e) => e.id)).toEqual(matchesTimelineQuery(all, { service: 'api' }).map((e) => e.id));
    const since = await app.ports.timeline.page({ user: 'BOB', since: new Date(Date.now() - 6 * 3600_000), page: 1, pageSize: 1000 });
    expect(since.events.map((e) => e.id)).toEqual(matchesTimelineQuery(all, { user: 'BOB', since: new Date(0) }).map((e) => e.id));
  }, 120_000);

  it('pages: 20 at a time, a More button that shows the next page, --page N the same', async () => {
    for (let i = 0; i < 25; i++) await send('/help', bob);
    const first = await send('/timeline --user bob --since 1h');
    expect(lines(first.reply.text)).toHaveLength(20);
    expect(first.reply.title).toBe('Timeline by bob in the last 1h: events 1–20, newest first');
    const more = first.reply.buttons?.find((b) => b.label === 'More');
    expect(more?.actionId).toBe('run:/timeline --since 1h --user bob --page 2');
    const second = await app.dispatcher.dispatch({ actor: alice, channel: consoleChan, input: { kind: 'action', actionId: more!.actionId } });
    expect(second.reply.title).toMatch(/^Timeline by bob in the last 1h: events 21–\d+, newest first$/);
    const typed = await send('/timeline --user bob --since 1h --page 2');
    expect(typed.reply.text).toBe(second.reply.text);
    // The pages do not overlap and together hold bob's events newest first, none left out.
    const all = (await app.ports.timeline.page({ user: 'bob', page: 1, pageSize: 1000 })).events;
    expect(all.length).toBeGreaterThan(20);
    expect([...lines(first.reply.text), ...lines(second.reply.text)]).toEqual(all.slice(0, 40).map((e) => timelineLine(e, { date: true })));
  }, 120_000);

  it('a bad --since is one sentence and changes nothing; the CLI exit code for it is 2 (invalid)', async () => {
    const before = (await app.ports.timeline.list({ limit: 100_000 })).length;
    const r = await send('/timeline api --since 6x');
    expect(r.status).toBe('invalid');
    expect(r.reply.text).toBe('"6x" is not a duration /timeline reads: write a whole number with m, h or d (90m, 6h, 2d), at most 90d.');
    expect((await send('/timeline --since 91d')).status).toBe('invalid');
    expect((await send('/timeline --page 0')).status).toBe('invalid');
    // Only the refusals themselves were recorded (as every invalid command is), nothing else.
    const after = await app.ports.timeline.list({ limit: 100_000 });
    expect(after.slice(before).map((e) => e.kind)).toEqual(['command.invalid', 'command.invalid', 'command.invalid']);
  }, 120_000);

  it('/incident timeline shows the alert that opened the incident, as the post-mortem does (its rows carry no incident id)', async () => {
    const g = await ingestGroup(app, { key: 'tl-inc', alertname: 'CheckoutErrors', service: 'api', severity: 'critical' });
    const d = await declareForAlertGroup({ config: app.loaded.config, ports: app.ports }, g, { by: alice, lead: alice, platform: 'console', invocationId: 'tl-inc-declare', from: null });
    const id = d.incident.id;
    const r = await send(`/incident timeline --incident ${id}`);
    expect(r.status).toBe('ok');
    expect(r.reply.text).toMatch(/alertmanager · alert\.received · CheckoutErrors \(api\)/);
    expect(r.reply.text).toMatch(/incident\.declared/);
  }, 120_000);
});
