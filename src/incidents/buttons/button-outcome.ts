import type { ButtonClick, ButtonEnv } from '../../core/button-handlers.js';
import type { DispatchResult } from '../../core/invocation.js';
import type { FinishedOutcome } from '../../core/invocation-recorder.js';
import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import type { Acting, ActResult } from '../incident-actions.js';

/** Who clicked, as the incident actions see it. */
export function actingOf(click: ButtonClick, env: ButtonEnv): Acting {
  return { deps: { config: env.config, ports: env.ports }, actor: click.inv.actor, invocationId: click.invocationId, channel: click.inv.channel };
}

/** Ends the click with its one recorded outcome (a "button" event on the incident's timeline). */
export function finishClick(click: ButtonClick, env: ButtonEnv, label: string, outcome: FinishedOutcome): Promise<DispatchResult> {
  return env.recorder.finish(click.invocationId, click.inv, 'incident', `(button ${label}) ${click.arg}`, outcome, { button: true });
}

/**
 * A change made by clicking: said in a new message everyone in the channel sees (the card itself is
 * updated in place by the change). Refusals and "nothing to change" go only to the clicker; a
 * picker the clicker was shown becomes `pickerDone`.
 */
export function changeOutcome(r: ActResult, pickerDone?: Reply): FinishedOutcome {
  if (!r.ok && !r.incident) return { status: 'invalid', reply: { ...r.reply, ephemeral: true } };
  const placement: Placement = r.reply.ephemeral ? { kind: 'private' } : { kind: 'new' };
  return {
    status: r.ok ? 'ok' : 'failed',
    reply: r.reply,
    placement,
    incidentId: r.incident?.id ?? null,
    ...(pickerDone ? { sourceUpdate: pickerDone } : {}),
  };
}
