import { z } from 'zod';
import type { ButtonEnv, ButtonPress, ButtonRecord } from '../../core/button-handlers.js';
import type { FinishedOutcome } from '../../core/invocation-recorder.js';
import type { Placement } from '../../core/placement.js';
import type { Reply } from '../../core/reply.js';
import { noSuchIncident, type Acting, type ActResult } from '../incident-actions.js';
import { linkedAlerts, timelineUrlOf } from '../incident-messages.js';
import type { IncidentsPorts } from '../ports.js';
import { announcementCard, summaryCard } from '../summary-card.js';

/** Who clicked, as the incident actions see it. */
/** What an incident button's handler is given: the incidents' ports. */
export type IncidentButtonEnv = ButtonEnv<IncidentsPorts>;

export function actingOf(press: ButtonPress<unknown>, env: IncidentButtonEnv): Acting {
  return { deps: { config: env.config, ports: env.ports }, actor: press.inv.actor, invocationId: press.invocationId, channel: press.inv.channel };
}

/** A click's row: a "button" event on the incident's timeline, counted under /incident. */
export const incidentRecord = (label: string, arg: string): ButtonRecord => ({ command: 'incident', text: `(button ${label}) ${arg}` });

/** An incident id as cards carry it (`INC-42`); anything else names no incident, and is told so. */
export const incidentIdPayload = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/);
export const noSuchIncidentReply = (arg: string): Reply => noSuchIncident(arg).reply;

/** `INC-42` (open the picker) or `INC-42:<choice>` (a picker's button), the choice parsed by `choice`. */
export function pickerPayload<T>(choice: (to: string) => T | null) {
  return z.string().transform((arg, ctx) => {
    const [id = '', to] = arg.split(':');
    if (to === undefined) return { id, to: undefined };
    const chosen = choice(to);
    if (chosen === null) {
      ctx.addIssue({ code: 'custom', message: `"${to}" is not a choice of this button` });
      return z.NEVER;
    }
    return { id, to: chosen };
  });
}

/** The choice of a picker's button as sent (`INC-42:sev9` → `sev9`), for the sentence refusing it. */
export const pickedText = (arg: string): string => arg.split(':')[1] ?? '';

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
export async function summaryFace(env: IncidentButtonEnv, incidentId: string): Promise<Reply | undefined> {
  const i = await env.ports.incidents.get(incidentId).catch(() => null);
  return i ? summaryCard(i, await linkedAlerts(env.ports, i), await timelineUrlOf(env.ports, i.id)) : undefined;
}

export async function announcementFace(env: IncidentButtonEnv, incidentId: string): Promise<Reply | undefined> {
  const i = await env.ports.incidents.get(incidentId).catch(() => null);
  return i ? announcementCard(i, await timelineUrlOf(env.ports, i.id)) : undefined;
}
