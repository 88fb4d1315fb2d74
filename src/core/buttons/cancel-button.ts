import { z } from 'zod';
import { defineButton } from '../button-handlers.js';

/** Cancel on a confirmation card: decides it cancelled, exactly once across replicas (the flow checks who may). */
export const cancelButton = defineButton({
  prefix: 'cancel',
  kind: 'self-recording',
  metricLabel: '(cancel)',
  name: 'Cancel',
  outsideAllowedChannels: true,
  payload: z.string(),
  handle: (press, env) => env.confirmations.cancel(press.invocationId, press.inv, press.payload),
});
