import { authorizeChannel, type Refusal } from '../../core/authorize.js';
import type { ButtonClick, ButtonEnv } from '../../core/button-handlers.js';
import type { DispatchResult } from '../../core/invocation.js';
import type { FinishedOutcome } from '../../core/invocation-recorder.js';
import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import type { Acting, ActResult } from '../incident-actions.js';
import { linkedAlerts } from '../incident-messages.js';
import { announcementCard, summaryCard } from '../summary-card.js';

/** Who clicked, as the incident actions see it. */
export function actingOf(click: ButtonClick, env: ButtonEnv): Acting {
  return { deps: { config: env.config, ports: env.ports }, actor: click.inv.actor, invocationId: click.invocationId, channel: click.inv.channel };
}

/** Incident buttons work where commands do: allowed channels and incidents' own channels. */
export function refusedHere(click: ButtonClick, env: ButtonEnv, label: string): Refusal | null {
  return authorizeChannel(env.config, click.inv, label);
}

/** Ends the click with its one recorded outcome (a "button" event on the incident's timeline). */
export function finishClick(click: ButtonClick, env: ButtonEnv, label: string, outcome: FinishedOutcome): Promise<DispatchResult> {
  return env.recorder.finish(click.invocationId, click.inv, 'incident', `(button ${label}) ${click.arg}`, outcome, { button: true });
}

/**
 * A change made by clicking: said in a new message everyone in the channel sees (the card itself is
 * updated in place by the change). Refusals and "nothing to change" go only to the clicker; the
 * clicked message becomes `sourceUpdate` (a picker says it is done; a card shows its latest face).
 */
export function changeOutcome(r: ActResult, sourceUpdate?: Reply): FinishedOutcome {
  if (!r.ok && !r.incident) return { status: 'invalid', reply: { ...r.reply, ephemeral: true } };
  const placement: Placement = r.reply.ephemeral ? { kind: 'private' } : { kind: 'new' };
  return {
    status: r.ok ? 'ok' : 'failed',
    reply: r.reply,
    placement,
    incidentId: r.incident?.id ?? null,
    ...(sourceUpdate ? { sourceUpdate } : {}),
  };
}

/**
 * The clicked summary card (or announcement) as the store has it now. A click's result goes
 * elsewhere (a new message, a private picker); returning the card's own face as the source update
 * keeps a platform that showed "running…" in the card while the click was handled (Slack) from
 * leaving it so.
 */
export async function summaryFace(env: ButtonEnv, incidentId: string): Promise<Reply | undefined> {
  const i = await env.ports.incidents.get(incidentId).catch(() => null);
  return i ? summaryCard(i, await linkedAlerts(env.ports, i)) : undefined;
}

export async function announcementFace(env: ButtonEnv, incidentId: string): Promise<Reply | undefined> {
  const i = await env.ports.incidents.get(incidentId).catch(() => null);
  return i ? announcementCard(i) : undefined;
}
