import { displayArgv } from './argv-display.js';
import type { Actor } from './identity.js';
import type { PlannedStep } from './outcome.js';
import type { Redactor } from './redact.js';
import type { Reply } from './reply.js';

/** Button action ids. Kept short: Discord allows 100 chars of custom_id. */
export const actionIds = {
  confirm: (id: string) => `confirm:${id}`,
  cancel: (id: string) => `cancel:${id}`,
  run: (text: string) => `run:${text}`,
};

/** The card a mutating step waits on: what will run, who may confirm, Confirm (red) and Cancel. */
export function confirmationCard(id: string, plan: PlannedStep, requester: Actor, minutesLeft: number, redactor: Redactor): Reply {
  const who =
    plan.approval === 'second-person'
      ? `Needs a second person: someone other than ${requester.name} with the "${plan.role}" role must confirm.`
      : undefined;
  return {
    title: plan.title,
    status: 'pending',
    fields: plan.fields,
    code: plan.argv ? displayArgv(plan.argv, redactor) : undefined,
    text: [plan.note, who].filter(Boolean).join('\n') || undefined,
    context: `Requested by ${requester.name} · expires in ${minutesLeft} min`,
    buttons: [
      {
        actionId: actionIds.confirm(id),
        label: plan.confirmLabel ?? 'Confirm',
        style: 'danger',
        confirm: { title: 'Are you sure?', text: plan.title, confirm: plan.confirmLabel ?? 'Confirm', deny: 'Back' },
      },
      { actionId: actionIds.cancel(id), label: 'Cancel' },
    ],
  };
}
