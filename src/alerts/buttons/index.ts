import type { ButtonHandler } from '../../core/button-handlers.js';
import type { AlertsPorts } from '../ports.js';
import { ackButton } from './ack-button.js';
import { actButton } from './act-button.js';
import { diagnoseButton } from './diagnose-button.js';
import { silenceButton } from './silence-button.js';

/** The alert cards' own buttons: Acknowledge, Silence 1 h and the runbook buttons and Diagnose (commands answered in the card's thread). */
export const alertButtons: readonly ButtonHandler<AlertsPorts>[] = [ackButton, silenceButton, actButton, diagnoseButton];
