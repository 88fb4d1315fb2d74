import type { ButtonHandler } from '../../core/button-handlers.js';

/**
 * Diagnose on an alert card the storm limit passed over (`diag:42`): `/diagnose --group 42` typed by
 * clicking, so it goes through the clicker's roles and is recorded like the command; its answer and
 * the diagnosis report go in the card's thread, and the card says "running", then the outcome.
 */
export const diagnoseButton: ButtonHandler = {
  prefix: 'diag',
  kind: 'command',
  commandText: (arg) => `/diagnose --group ${/^\d{1,19}$/.test(arg) ? arg : '?'}`,
  alertGroup: (arg) => (/^\d{1,19}$/.test(arg) ? arg : null),
  placement: { kind: 'thread' },
};
