import { z } from 'zod';
import { defineButton, type ButtonEnv, type ButtonOutcome } from '../../core/button-handlers.js';
import type { Reply } from '../../core/reply.js';
import { cut } from '../../core/text-format.js';
import { currentCard } from '../current-card.js';
import type { AlertsPorts } from '../ports.js';

/** How long the card's "Silence 1 h" silences for. */
export const SILENCE_DURATION_MS = 60 * 60 * 1000;
/** Who may silence: the people who respond to alerts (admins too, as everywhere). */
export const SILENCE_ROLE = 'responders';

export const silenceActionId = (groupId: string) => `silence:${groupId}`;

const refusal = (status: 'invalid' | 'failed', title: string, text: string): ButtonOutcome => ({
  status,
  reply: { title, status: status === 'failed' ? 'error' : 'warning', text, ephemeral: true },
});

const unknownGroup = refusal('invalid', 'Unknown alert group', 'This alert group does not exist (any more); nothing was silenced.');

const hhmm = (d: Date) => `${d.toISOString().slice(11, 16)} UTC`;

/**
 * "Silence 1 h" on an alert card: an Alertmanager silence (API v2) matching the group's common
 * labels for one hour, then the group remembers it (alert.silenced, card marked dirty, one
 * transaction in the store). The clicker gets a private "Silenced for 1 h (silence 1b2c…)".
 */
export const silenceButton = defineButton({
  prefix: 'silence',
  kind: 'handler',
  metricLabel: '(silence)',
  name: 'Silence',
  role: SILENCE_ROLE,
  // As it always was: the role is Silence's rule, wherever its card was routed (alerts.channel, a route's).
  outsideAllowedChannels: true,
  payload: z.string().regex(/^\d{1,18}$/),
  malformed: () => unknownGroup.reply,
  record: (groupId) => ({ command: null, text: `(silence ${cut(groupId, 40)})`, detail: { group: groupId } }),
  async handle({ inv, payload: groupId }, env: ButtonEnv<AlertsPorts>): Promise<ButtonOutcome> {
    const { ports } = env;
    const group = await ports.alerts.get(groupId);
    if (!group) return unknownGroup;
    if (group.source !== 'alertmanager') {
      const where = group.source === 'grafana' ? 'Grafana alerts are silenced in Grafana itself' : "Firebreak's own health watch has no silences";
      return refusal('invalid', 'Cannot silence here', `${where}; Silence works for Alertmanager alerts. Nothing was silenced.`);
    }
    if (!ports.silences) {
      return refusal('invalid', 'Silence is not configured', 'Silence needs alerts.alertmanager_url in the Firebreak config (Alertmanager API v2); nothing was silenced.');
    }
    const now = env.now();
    if (group.status === 'resolved') {
      return refusal('invalid', 'Already resolved', `${group.alertname} resolved${group.resolvedAt ? ` at ${hhmm(group.resolvedAt)}` : ''}; there is nothing to silence.`);
    }
    if (group.silence && group.silence.until.getTime() > now.getTime()) {
      return { ...refusal('invalid', 'Already silenced', `${group.silence.by} silenced it until ${hhmm(group.silence.until)} (silence ${group.silence.id}); nothing more was done.`), detail: { silence: group.silence.id } };
    }

    const endsAt = new Date(now.getTime() + SILENCE_DURATION_MS);
    const created = await ports.silences.create({
      matchers: group.commonLabels,
      startsAt: now,
      endsAt,
      createdBy: inv.actor.name,
      comment: `Silenced from Firebreak by ${inv.actor.name}`,
    });
    if (!created.ok) return refusal('failed', 'Silence failed', created.problem);

    const platforms = ports.chat.announcers().map((p) => p.platform);
    await ports.alerts.setSilence(group.id, { id: created.id, until: endsAt, by: inv.actor }, platforms);

    const matched = Object.entries(group.commonLabels)
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(', ');
    const reply: Reply = {
      title: `Silenced for 1 h (silence ${created.id.slice(0, 4)}…)`,
      status: 'ok',
      text: `Alertmanager silence ${created.id} on ${ports.silences.target} matches ${matched} until ${hhmm(endsAt)}.`,
      ephemeral: true,
    };
    // The clicked card shows "Silenced until … by …" for everyone at once (the outbox catches up the rest).
    const sourceUpdate = (await currentCard(ports.alerts, env.config, group.id, now))?.reply;
    return { status: 'ok', reply, placement: { kind: 'private' }, ...(sourceUpdate ? { sourceUpdate } : {}), detail: { silence: created.id, until: endsAt.toISOString() } };
  },
});
