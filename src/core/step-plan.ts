import type { FirebreakConfig } from '../config/schema.js';
import { roleDenied, type Refusal } from './authorize.js';
import { hasRole } from './guards.js';
import { approvalOf, type Approval } from './approval.js';
import type { Actor } from './identity.js';
import type { Reply } from './reply.js';
import { notASecondPerson } from './second-person.js';

/** What the step runner needs of any planned step; a confirmation's PlannedStep is one. */
export interface StepPlan {
  /** What people read: the card's question, the "already running" text, the shutdown report. */
  title: string;
  /** The exact command that will run, when there is one. */
  argv?: string[];
  /** One step per lease key at a time, across replicas, e.g. "service:api". */
  lease: string;
  /** The role needed to request and to approve; absent for the system's own jobs (a scheduled backup). */
  role?: string;
  /** Absent: `one`. "self" is how plans stored by older versions say `one`. */
  approval?: Approval | 'self';
}

/**
 * The role and approval rules, for whoever is about to run (or request) a step; null when they may.
 * `requestedBy` is who asked for it, when `actor` approves someone else's request.
 */
export function stepRefusal(config: FirebreakConfig, plan: StepPlan, who: { actor: Actor; requestedBy?: Actor; what: string }): Refusal | null {
  if (plan.role !== undefined && !hasRole(config, who.actor, plan.role)) return roleDenied(who.what, plan.role, who.actor);
  const r = who.requestedBy;
  const samePerson = approvalOf(plan) === 'second-person' && r ? notASecondPerson(r, who.actor, plan.title, plan.role ?? 'required') : null;
  if (samePerson !== null) {
    return { status: 'denied', reply: { title: 'A second person must confirm', status: 'error', text: samePerson, ephemeral: true } };
  }
  return null;
}

/** Said when a step was not started because this process is shutting down. */
export function shuttingDownReply(title: string, retry: string): Reply {
  return {
    title: 'Firebreak is shutting down',
    status: 'warning',
    text: `This Firebreak process is shutting down, so ${title} was not started. Nothing was run; ${retry}`,
    ephemeral: true,
  };
}

/**
 * Said (card, reply, timeline output) about a step that was still running when the shutdown grace
 * ran out: it was stopped part-way, so what it changed is unknown.
 */
export function interruptedText(title: string): string {
  return `Interrupted by shutdown: Firebreak was stopped while "${title}" ran and could not wait for it to finish. It was stopped part-way, so its outcome is unknown: check the target before running it again.`;
}
