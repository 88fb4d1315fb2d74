import type { ButtonHandler } from '../../core/button-handlers.js';
import { ackButton } from './ack-button.js';

/** The alert cards' own buttons (their runbook buttons are `run:` command buttons). */
export const alertButtons: readonly ButtonHandler[] = [ackButton];
