import type { ButtonHandler } from '../button-handlers.js';

/** `run:/health api` (Re-check): the command typed by clicking, with the clicker's roles. */
export const runButton: ButtonHandler = {
  prefix: 'run',
  kind: 'command',
  commandText: (arg) => arg,
};
