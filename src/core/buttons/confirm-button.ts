import type { ButtonHandler } from '../button-handlers.js';

/** Confirm on a confirmation card: runs the stored step under its lease (see ConfirmationFlow). */
export const confirmButton: ButtonHandler = {
  prefix: 'confirm',
  kind: 'handler',
  metricLabel: '(confirm)',
  handle: (click, env) => env.confirmations.confirm(click.invocationId, click.inv, click.arg, click.sink),
};
