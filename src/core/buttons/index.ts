import type { ButtonHandler } from '../button-handlers.js';
import { cancelButton } from './cancel-button.js';
import { confirmButton } from './confirm-button.js';
import { runButton } from './run-button.js';

/** The core's own buttons; domains (alerts, incidents) add theirs beside these in main.ts. */
export const coreButtons: readonly ButtonHandler[] = [confirmButton, cancelButton, runButton];
