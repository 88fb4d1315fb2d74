import { z } from 'zod';
import { defineButton, type ButtonEnv, type ButtonOutcome } from '../../core/button-handlers.js';
import type { Invocation } from '../../core/invocation.js';
import type { FinishedOutcome } from '../../core/invocation-recorder.js';
import type { Reply } from '../../core/reply.js';
import { cut } from '../../core/text-format.js';
import { groupName, utcTime } from '../alert-format.js';
import { LIST_LIMIT, renderAlertsList } from '../alerts-list.js';
import { currentCard } from '../current-card.js';
import { syncPaging } from '../escalation.js';
import type { AlertGroup } from '../model.js';
import type { AlertsPorts } from '../ports.js';

/** `42` on a card; `42 list [SERVICE]` on the /alerts list, which is shown again after the click. */
const ackPayload = z
  .string()
  .regex(/^(\d{1,19})(?:( list)(?: (\S{1,63}))?)?$/)
  .transform((arg) => {
    const [id = '', list, service] = arg.split(' ');
    return { id, fromList: list !== undefined, service };
  });
type AckPayload = z.infer<typeof ackPayload>;

const privately = (reply: Reply, sourceUpdate?: Reply): FinishedOutcome => ({ status: 'ok', reply, placement: { kind: 'private' }, ...(sourceUpdate ? { sourceUpdate } : {}) });

/**
 * Acknowledge on an alert card (or on the /alerts list): anyone in an allowed channel may press
 * it. The store records who and when, stops the group's escalation and marks its cards dirty in
 * one transaction, so every card of the group, on every platform, says so soon after; the
 * clicked message shows it at once.
 */
export const ackButton = defineButton({
  prefix: 'ack',
  kind: 'handler',
  metricLabel: '(ack)',
  name: 'Acknowledge',
  outsideAllowedChannels: false,
  payload: ackPayload,
  malformed: () => ({
    title: 'Unknown alert group',
    status: 'error',
    text: 'This Acknowledge button names no alert group Firebreak knows; it may come from an older version. Use /alerts to list what is firing.',
  }),
  record: (arg) => ({ command: null, text: `(button ack ${cut(arg, 80)})` }),
  handle: (press, env: ButtonEnv<AlertsPorts>) => acknowledge(press.payload, press.inv, env),
});

async function acknowledge({ id, fromList, service }: AckPayload, inv: Invocation, env: ButtonEnv<AlertsPorts>): Promise<ButtonOutcome> {
  const store = env.ports.alerts;
  const platforms = env.ports.chat.announcers().map((p) => p.platform);
  const result = await store.acknowledge(id, inv.actor, platforms);
  const group = result?.group ?? (await store.get(id));
  if (!group) {
    return { status: 'invalid', reply: { title: 'No such alert group', status: 'error', text: `There is no alert group ${id} (any more). Use /alerts to list what is firing.`, ephemeral: true }, detail: { group: id } };
  }
  const now = env.now();
  const sourceUpdate = fromList ? renderAlertsList(await store.firing({ ...(service ? { service } : {}), limit: LIST_LIMIT }), service, now) : (await currentCard(store, env.config, id, now))?.reply;
  const first = result?.first === true;
  // A paged group's page is acknowledged too; not awaited, so PagerDuty's retries never hold up the card.
  if (first) void syncPaging(env.ports, env.config, group);
  return { ...privately(first ? acknowledgedReply(group) : notAcknowledgedReply(group, inv.actor.id), sourceUpdate), detail: { group: id, first } };
}

function acknowledgedReply(group: AlertGroup): Reply {
  return {
    title: `You acknowledged ${groupName(group)}`,
    status: 'ok',
    text: group.status === 'resolved' ? 'It has resolved already; the card shows who acknowledged it.' : 'Everyone sees it on the card, and its escalation stops.',
  };
}

function notAcknowledgedReply(group: AlertGroup, actorId: string): Reply {
  const ack = group.acknowledged;
  if (!ack) return { title: `${groupName(group)} could not be acknowledged`, status: 'warning', text: 'The alert store did not record it; try again, or use /alerts to see its state.' };
  const who = ack.by.id === actorId ? 'you' : cut(ack.by.name, 60);
  return { title: 'Already acknowledged', status: 'info', text: `${groupName(group)} was acknowledged by ${who} at ${utcTime(ack.at, group.firstFiredAt)}.` };
}
