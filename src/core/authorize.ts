import type { FirebreakConfig } from '../config/schema.js';
import { allowedChannelsText, channelAllowed, hasRole, workspaceAllowed } from './guards.js';
import type { Actor } from './identity.js';
import type { Invocation } from './invocation.js';
import type { Confirmation, LeaseInfo } from './ports.js';
import type { Reply } from './reply.js';
import type { CommandDescription } from './command-catalog.js';

/** A refusal before anything ran: always private to the person, always recorded. */
export interface Refusal {
  status: 'invalid' | 'denied';
  reply: Reply;
}

const refused = (status: Refusal['status'], title: string, text: string, replyStatus: Reply['status'] = 'error'): Refusal => ({
  status,
  reply: { title, status: replyStatus, text, ephemeral: true },
});

/** Workspace, channel and role checks for a command; null when it may run. */
export function authorize(config: FirebreakConfig, inv: Invocation, spec: Pick<CommandDescription, 'name' | 'role'>): Refusal | null {
  const where = authorizeChannel(config, inv, `/${spec.name}`);
  if (where) return where;
  const role = spec.role;
  if (role && !hasRole(config, inv.actor, role)) return roleDenied(`/${spec.name}`, role, inv.actor);
  return null;
}

/**
 * Workspace and channel checks alone, for what anyone in an allowed channel may do (a command
 * without a role, a button such as Acknowledge). `what` names it: "/health", "Acknowledge".
 */
export function authorizeChannel(config: FirebreakConfig, inv: Invocation, what: string): Refusal | null {
  if (!workspaceAllowed(config, inv.channel)) {
    return refused(
      'denied',
      `${what} is not available here`,
      `This Firebreak serves other ${inv.channel.platform === 'discord' ? 'servers' : 'workspaces'} (chat.workspaces in its config). Nothing was run.`,
    );
  }
  // An incident's own channel is always allowed, whatever its name became on the platform.
  if (!channelAllowed(config, inv.channel) && !inv.incidentId) {
    if (inv.channel.name === '') {
      return refused(
        'denied',
        `${what} cannot tell which channel this is`,
        `Firebreak could not read this channel's name, so it cannot check that commands are allowed here. In a private channel, invite it first (/invite @firebreak). Nothing was run.`,
      );
    }
    return refused('denied', `${what} is not allowed in #${inv.channel.name}`, `Firebreak commands run only in ${allowedChannelsText(config)}. Nothing was run.`);
  }
  return null;
}

export function roleDenied(what: string, role: string, actor: Actor): Refusal {
  return refused(
    'denied',
    `Not allowed: ${what}`,
    `${what} needs the "${role}" role, which ${actor.name} does not have. Ask an admin to add "${actor.platform}:${actor.id}" to roles.${role} in the Firebreak config. Nothing was run.`,
  );
}

/**
 * Who holds a lease and since when, as every "already running" text says it: "started by alice at
 * 2026-11-25T03:00:00.000Z". The refusal below and the scheduler's skipped-slot note both use it.
 */
export function startedBy(h: Pick<LeaseInfo, 'actorName' | 'acquiredAt'>): string {
  return `started by ${h.actorName} at ${h.acquiredAt.toISOString()}`;
}

/**
 * The target is leased: by this very confirmation (a double click) or by another operation. The one
 * "already running, started by X" text; `atOnce` is a step that had no card (`/run` of a
 * `confirm: false` action, `/backup now`), which says "try again" without repeating that nothing ran.
 */
export function alreadyRunning(h: LeaseInfo, own: Pick<Confirmation, 'id' | 'plan'> | null, opts: { atOnce?: boolean } = {}): Refusal {
  const again = opts.atOnce ? 'Try again when it has finished.' : 'Nothing was run; try again when it has finished.';
  return refused(
    'denied',
    'Already running',
    own && h.id === own.id
      ? `${own.plan.title} is already running (confirmed by ${h.actorName} at ${h.acquiredAt.toISOString()}).`
      : `${h.description} is already running, ${startedBy(h)}. ${again}`,
    'warning',
  );
}
