import type { ButtonHandler } from '../../core/button-handlers.js';

/**
 * A runbook button on an alert card (`act:/rollback api`, `act:/run disable-provider
 * provider=openai`): the command typed by clicking, with the clicker's roles, confirmation card and
 * lease, like `run:`. Its answer (the confirmation card, the status) goes in the card's thread, so
 * the card stays what it is for everyone, and the outbox keeps updating it.
 */
export const actButton: ButtonHandler = {
  prefix: 'act',
  kind: 'command',
  commandText: (arg) => arg,
  placement: { kind: 'thread' },
};
