import { z } from 'zod';
import { defineButton } from '../button-handlers.js';

/**
 * Confirm on a confirmation card: runs the stored step under its lease (see ConfirmationFlow). Its
 * rules are the stored step's (role, second person), checked by the flow, so none are declared here.
 */
export const confirmButton = defineButton({
  prefix: 'confirm',
  kind: 'self-recording',
  metricLabel: '(confirm)',
  name: 'Confirm',
  outsideAllowedChannels: true,
  payload: z.string(),
  handle: (press, env) => env.confirmations.confirm(press.invocationId, press.inv, press.payload, press.sink),
});
