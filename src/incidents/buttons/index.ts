import type { ButtonHandler } from '../../core/button-handlers.js';
import type { IncidentsPorts } from '../ports.js';
import { joinButton } from './join-button.js';
import { leadButton } from './lead-button.js';
import { openIncidentButton } from './open-button.js';
import { resolveButton } from './resolve-button.js';
import { severityButton } from './severity-button.js';
import { statusButton } from './status-button.js';

/** The incident domain's buttons (registered in main.ts next to the core's). */
export const incidentButtons: readonly ButtonHandler<IncidentsPorts>[] = [joinButton, leadButton, statusButton, severityButton, resolveButton, openIncidentButton];
