import type { ButtonHandler } from '../button-handlers.js';

/** Cancel on a confirmation card: decides it cancelled, exactly once across replicas. */
export const cancelButton: ButtonHandler = {
  prefix: 'cancel',
  kind: 'handler',
  metricLabel: '(cancel)',
  handle: (click, env) => env.confirmations.cancel(click.invocationId, click.inv, click.arg),
};
