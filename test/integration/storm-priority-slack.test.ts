import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reply } from '../../src/core/reply.js';
import { ALICE, INCIDENTS, startSlackRig, type SlackRig } from '../e2e/slack-harness.js';

/**
 * An alert storm fills #incidents' queue (the fake Slack allows one message a second per channel and
 * answers 429 beyond it) and a person types a command there: their answer must not wait for the
 * cards. The cards are queued through the Slack chat port as the outbox worker sends them
 * (showMessage → postMessage, priority 'system'), several at once as several lanes or replicas do.
 */
const CARDS = 8;
/**
 * While the person waits, Slack answers each card this late (the pacer's next turn is measured from
 * the answer): a card then takes ~6 s instead of ~1 s, so "most cards still wait when the answer
 * comes" holds by construction however slowly a busy machine answers /health (at ~1 s a card, a
 * few seconds' delay would let the cards catch up). Once the answer is in, Slack answers at once.
 */
const SLOW_CARD_MS = 5_000;
const isCard = (text: unknown) => String(text ?? '').includes('storm card');
const card = (i: number): Reply => ({ title: `Firing: HighErrorRate (svc-${i})`, status: 'error', text: `storm card ${i}` });

describe('a person first during an alert storm (Slack)', () => {
  let rig: SlackRig;
  beforeAll(async () => {
    rig = await startSlackRig('chat:\n  incidents_channel: incidents\n');
  });
  afterAll(() => rig?.close());

  it('answers a command typed in #incidents while most of the alert cards queued there still wait', async () => {
    const { fake } = rig;
    fake.delayAnswers((method, args) => (method === 'chat.postMessage' && isCard(args.text) ? SLOW_CARD_MS : 0));
    const cards = Array.from({ length: CARDS }, (_, i) => rig.slack.chat.postMessage({ name: INCIDENTS.name }, card(i), { priority: 'system' }));
    // The storm is on: the first card is out, the rest wait for their turn.
    await fake.waitFor(() => fake.callsOf('chat.postMessage', true).some((c) => String(c.args.text ?? '').includes('storm card')), 20_000);
    await rig.command('/health', '', { user: ALICE });

    // The answer (whether it came at once or as "Running…" edited into the result) names who ran it.
    const shownAnswer = (c: { method: string; args: Record<string, unknown> }) =>
      (c.method === 'chat.postMessage' || c.method === 'chat.update') && c.args.channel === INCIDENTS.id && JSON.stringify(c.args.blocks ?? []).includes(`<@${ALICE.id}>`) && !String(c.args.text ?? '').startsWith('Running');
    const answer = await fake.waitFor(() => fake.calls.find((c) => c.status === 200 && !c.error && shownAnswer(c)), 60_000);
    const cardsBefore = fake.callsOf('chat.postMessage', true).filter((c) => String(c.args.text ?? '').includes('storm card') && c.at <= answer.at).length;
    expect(CARDS - cardsBefore, `cards still waiting when the answer was shown (${cardsBefore} of ${CARDS} were posted)`).toBeGreaterThanOrEqual(CARDS - 3);

    // Every card is still posted, none lost, each once (at Slack's usual speed from here).
    fake.delayAnswers(undefined);
    await Promise.all(cards);
    const posted = fake.callsOf('chat.postMessage', true).filter((c) => String(c.args.text ?? '').includes('storm card'));
    expect(posted).toHaveLength(CARDS);
  }, 20_000 + 60_000 + CARDS * (SLOW_CARD_MS + 1_100) + 10_000);
});
