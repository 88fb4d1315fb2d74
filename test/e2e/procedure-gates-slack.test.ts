import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../fakes/slack-api.js';
import { ALICE, BOB, buttonsOf, headerOf, INCIDENTS, startSlackRig, type SlackRig } from './slack-harness.js';

const SLOW_TOOL = resolve('test/fakes/slow-tool.mjs');
const WAIT_MS = 60_000;

/**
 * A procedure's gates from Slack: Approve / Reject / Done pressed on the card in the channel, by
 * someone without the procedure's role (refused, nothing moves) and by someone with it; the card is
 * the same message throughout, edited in place. A slow step shows ⏳ running on that card before
 * the final one.
 */
describe('procedure gates and step-by-step edits on Slack', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-proc-gates-slack-'));
  let rig: SlackRig;

  beforeAll(async () => {
    rig = await startSlackRig(`
chat:
  incidents_channel: incidents
roles:
  responders: ["slack:${ALICE.id}", "slack:${BOB.id}"]
  gatekeepers: ["slack:${ALICE.id}"]
actions:
  slow:
    description: Takes two seconds
    argv: [node, ${JSON.stringify(SLOW_TOOL)}, ${JSON.stringify(join(dir, 'marker'))}, "2"]
    timeout_s: 60
procedures:
  gated:
    description: Ask, then do by hand
    role: gatekeepers
    steps:
      - approve: "ok?"
      - manual: "tell them"
  slowly:
    description: One slow step
    steps:
      - { name: slow one, run: "/run slow" }
`);
  }, 120_000);
  afterAll(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const current = (m: FakeMessage) => rig.fake.messages.get(`${m.channel}:${m.ts}`)!;
  const text = (m: FakeMessage) => JSON.stringify(current(m).blocks ?? []);
  const labels = (m: FakeMessage) => buttonsOf(current(m).blocks).map((b) => b.text.text);
  const press = async (m: FakeMessage, label: string, user = ALICE) => {
    const b = buttonsOf(current(m).blocks).find((x) => x.text.text === label);
    if (!b) throw new Error(`no ${label} button on "${headerOf(current(m).blocks)}": ${labels(m).join(', ')}`);
    await rig.press(b.action_id, { channel: m.channel, ts: m.ts }, { user, label });
  };
  const cardWith = (header: RegExp, exclude: Set<string> = new Set()) =>
    rig.fake.waitFor(() => [...rig.fake.messages.values()].find((m) => m.channel === INCIDENTS.id && !exclude.has(m.ts) && header.test(headerOf(m.blocks))), WAIT_MS);
  const until = (m: FakeMessage, header: RegExp) =>
    rig.fake.waitFor(() => (header.test(headerOf(current(m).blocks)) ? current(m) : undefined), WAIT_MS).catch((err: Error) => {
      throw new Error(`${err.message}: the card reads "${headerOf(current(m).blocks)}", not ${header}`);
    });

  /** Types the procedure, confirms it, and returns the card (the same message from here on). */
  async function start(name: string, seen: Set<string>): Promise<FakeMessage> {
    await rig.command('/procedure', name);
    const card = await cardWith(new RegExp(`^⏳ Run procedure ${name} `), seen);
    seen.add(card.ts);
    await press(card, labels(card)[0]!);
    return card;
  }

  it('Approve refused without the role, then approved and Done by someone with it, on the same message; Reject offers Retry / Skip / Abort', async () => {
    const seen = new Set<string>();
    const card = await start('gated', seen);
    await until(card, /Procedure gated: step 1 of 2 waits for a person$/);
    expect(labels(card)).toEqual(['Approve', 'Reject', 'Abort']);
    expect(text(card)).toContain('ok?');

    // Bob has no gatekeepers role: refused, and the card still waits at step 1.
    await press(card, 'Approve', BOB);
    await rig.fake.waitFor(() => rig.fake.responsePosts.find((p) => JSON.stringify(p).includes('gatekeepers')), WAIT_MS);
    await rig.slack.idle();
    expect(headerOf(current(card).blocks)).toMatch(/Procedure gated: step 1 of 2 waits for a person$/);
    expect(text(card)).not.toContain('approved by');

    await press(card, 'Approve');
    await until(card, /Procedure gated: step 2 of 2 waits for a person$/);
    expect(text(card)).toMatch(/approved by (Alice A|alice)/);
    expect(text(card)).toContain('tell them');
    expect(labels(card)).toEqual(['Done', 'Abort']);

    await press(card, 'Done');
    await until(card, /^✅ Procedure gated: all 2 steps done$/);
    expect(text(card)).toMatch(/marked done by (Alice A|alice)/);
    expect(labels(card)).toEqual([]);

    const second = await start('gated', seen);
    expect(second.ts).not.toBe(card.ts);
    await until(second, /waits for a person$/);
    await press(second, 'Reject');
    await rig.fake.waitFor(() => (labels(second).includes('Retry step') ? true : undefined), WAIT_MS);
    expect(labels(second)).toEqual(['Retry step', 'Skip step', 'Abort']);
    expect(text(second)).toMatch(/rejected by (Alice A|alice)/);
    await press(second, 'Abort');
    await rig.fake.waitFor(() => (labels(second).length === 0 ? true : undefined), WAIT_MS);
    // Two runs, two messages: each card was posted once and only edited after.
    expect(rig.fake.callsOf('chat.postMessage', true).filter((c) => c.args.channel === INCIDENTS.id)).toHaveLength(2);
  }, 180_000);

  it('a slow step shows ⏳ running on the same message before the final card', async () => {
    const seen = new Set<string>();
    const card = await start('slowly', seen);
    await until(card, /^✅ Procedure slowly: all 1 steps? done$/);
    await rig.slack.idle();
    const edits = rig.fake.callsOf('chat.update', true).filter((c) => c.args.ts === card.ts).map((c) => String(typeof c.args.blocks === 'string' ? c.args.blocks : JSON.stringify(c.args.blocks)));
    const running = edits.findIndex((b) => b.includes('slow one') && b.includes('⏳ running'));
    expect(running, edits.join('\n---\n')).toBeGreaterThanOrEqual(0);
    expect(running).toBeLessThan(edits.length - 1);
    expect(text(card)).toContain('slept 2 s');
  }, 180_000);
});
