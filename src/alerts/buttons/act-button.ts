import type { ButtonHandler } from '../../core/button-handlers.js';

/** `42 /rollback api`: the card's alert group, then the command. Cards posted before the group was carried say only the command. */
const WITH_GROUP = /^(\d{1,19}) (\/[\s\S]*)$/;

/** The action id of a runbook button on the card of alert group `groupId`. */
export function actActionId(groupId: string, commandText: string): string {
  return `act:${groupId} ${commandText}`;
}

/**
 * A runbook button on an alert card (`act:42 /rollback api`, `act:42 /run disable-provider
 * provider=openai`): the command typed by clicking, with the clicker's roles, confirmation card and
 * lease, like `run:`. Its answer (the confirmation card, the status) goes in the card's thread, so
 * the card stays what it is for everyone, and the outbox keeps updating it. It carries the card's
 * alert group, so a click counts for the incident that group opened or joined, wherever the card is.
 */
export const actButton: ButtonHandler = {
  prefix: 'act',
  kind: 'command',
  commandText: (arg) => WITH_GROUP.exec(arg)?.[2] ?? arg,
  alertGroup: (arg) => WITH_GROUP.exec(arg)?.[1] ?? null,
  placement: { kind: 'thread' },
};
