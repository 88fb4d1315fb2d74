import type { ButtonHandler } from '../../core/button-handlers.js';
import { ackButton } from './ack-button.js';
import { actButton } from './act-button.js';

/** The alert cards' own buttons: Acknowledge and the runbook buttons (commands answered in the card's thread). */
export const alertButtons: readonly ButtonHandler[] = [ackButton, actButton];
