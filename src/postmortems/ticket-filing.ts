import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../core/ports.js';
import type { Redactor } from '../core/redact.js';
import { cut } from '../core/text-format.js';
import type { PostmortemTicketStore } from './ticket-store.js';
import { TicketError, type FiledTicket, type TicketDraft, type TicketSystem } from './ticket-system.js';

/** What ports.tickets holds: the configured systems, the filed tickets and where Retry gets the draft. */
export interface PostmortemTicketing {
  systems: readonly TicketSystem[];
  tickets: PostmortemTicketStore;
}

export interface FilingPorts {
  systems: readonly TicketSystem[];
  tickets: PostmortemTicketStore;
  /** Applied to the whole draft before any system sees it: a secret in the timeline never reaches a ticket. */
  redactor: Redactor;
  logger?: Logger;
}

export interface FilingOptions {
  /**
   * A claim unfinished this long belongs to a filer that died: another replica takes it over.
   * Longer than a create takes (timeout, one retry and its Retry-After wait), so a live filer is never overtaken.
   */
  staleClaimMs?: number;
  /** How long to wait for another replica's filing to finish before saying it is busy. */
  busyWaitMs?: number;
  pollMs?: number;
}

export type FilingStatus =
  /** A new ticket was filed. */
  | 'filed'
  /** The ticket filed earlier was updated in place. */
  | 'updated'
  /** Another replica is filing it and did not finish within busyWaitMs. */
  | 'busy'
  /** Not filed (or filed but not complete); `sentence` says why. The draft is unaffected. */
  | 'failed';

export interface FilingOutcome {
  system: string;
  label: string;
  status: FilingStatus;
  /** The ticket, when there is one (also after an update or an item that failed). */
  ticket: FiledTicket | null;
  /** One sentence for the channel: where it was filed, or why not. */
  sentence: string;
}

export const STALE_TICKET_CLAIM_MS = 120_000;
const DEFAULT_BUSY_WAIT_MS = 20_000;
const DEFAULT_POLL_MS = 250;

/**
 * Files the draft with every configured ticket system, once across replicas: the first filer
 * claims the (incident, system) row before creating the ticket; anyone else waits for the ref and
 * then updates that ticket in place. A ticket filed before is updated (never a second one), and
 * action items the system files separately (Jira sub-tasks) are each created once. A failure is
 * stored with the row and returned as one sentence; the draft itself is the caller's and stays.
 */
export async function fileDraft(ports: FilingPorts, incidentId: string, draft: TicketDraft, opts: FilingOptions = {}): Promise<FilingOutcome[]> {
  const safe = ports.redactor.redactValue(draft);
  return Promise.all(ports.systems.map((system) => fileWith(ports, system, incidentId, safe, opts)));
}

async function fileWith(ports: FilingPorts, system: TicketSystem, incidentId: string, draft: TicketDraft, opts: FilingOptions): Promise<FilingOutcome> {
  const staleMs = opts.staleClaimMs ?? STALE_TICKET_CLAIM_MS;
  const deadline = Date.now() + (opts.busyWaitMs ?? DEFAULT_BUSY_WAIT_MS);
  const store = ports.tickets;
  try {
    for (;;) {
      const row = await store.get(incidentId, system.system);
      if (row?.ref) return await updateTicket(ports, system, incidentId, { ref: row.ref, url: row.url }, draft, staleMs);
      const claimId = randomUUID();
      const claimed = row ? await store.reclaim(incidentId, system.system, claimId, staleMs) : await store.claim(incidentId, system.system, claimId);
      if (claimed) return await createTicket(ports, system, incidentId, draft, claimId, staleMs);
      if (Date.now() >= deadline) {
        return outcome(system, 'busy', null, `Another Firebreak replica is filing this post-mortem with ${system.label} right now; run /incident postmortem again in a minute to update it.`);
      }
      await sleep(opts.pollMs ?? DEFAULT_POLL_MS);
    }
  } catch (err) {
    // The store failed (a TicketError is handled where it is thrown): say so; nothing else changed.
    const why = ports.redactor.redact(err instanceof Error ? err.message : String(err));
    ports.logger?.error({ err: why, incidentId, system: system.system }, 'post-mortem filing could not use the store');
    return outcome(system, 'failed', null, `Filing with ${system.label} stopped because the Firebreak store failed (${why}); press Retry when it is back.`);
  }
}

async function createTicket(ports: FilingPorts, system: TicketSystem, incidentId: string, draft: TicketDraft, claimId: string, staleMs: number): Promise<FilingOutcome> {
  let ticket: FiledTicket;
  try {
    ticket = await system.create(incidentId, draft);
  } catch (err) {
    const why = sentenceOf(ports, system, err);
    await ports.tickets.recordFailed(incidentId, system.system, claimId, why);
    return outcome(system, 'failed', null, why);
  }
  if (!(await ports.tickets.recordFiled(incidentId, system.system, claimId, ticket.ref, ticket.url))) {
    const why = `Filed ${system.describe(ticket.ref)}, but it took longer than ${Math.round(staleMs / 1000)} s and another replica may have filed this post-mortem too; check ${system.label} for a second ticket.`;
    ports.logger?.warn({ incidentId, system: system.system, ref: ticket.ref }, why);
    return outcome(system, 'failed', ticket, why);
  }
  const itemProblem = await fileItems(ports, system, incidentId, ticket, draft, staleMs);
  if (itemProblem) {
    await ports.tickets.recordAttempt(incidentId, system.system, ticket.url, itemProblem);
    return outcome(system, 'failed', ticket, itemProblem);
  }
  return outcome(system, 'filed', ticket, `Filed as ${system.describe(ticket.ref)}${ticket.url ? `: ${ticket.url}` : '.'}`);
}

async function updateTicket(ports: FilingPorts, system: TicketSystem, incidentId: string, filed: FiledTicket, draft: TicketDraft, staleMs: number): Promise<FilingOutcome> {
  let ticket: FiledTicket;
  try {
    ticket = await system.update(incidentId, filed, draft);
  } catch (err) {
    const why = sentenceOf(ports, system, err);
    await ports.tickets.recordAttempt(incidentId, system.system, null, why);
    return outcome(system, 'failed', filed, why);
  }
  const itemProblem = await fileItems(ports, system, incidentId, ticket, draft, staleMs);
  await ports.tickets.recordAttempt(incidentId, system.system, ticket.url, itemProblem);
  if (itemProblem) return outcome(system, 'failed', ticket, itemProblem);
  return outcome(system, 'updated', ticket, `Updated ${system.describe(ticket.ref)}${ticket.url ? `: ${ticket.url}` : '.'}`);
}

/** Files the action items not filed yet, each under its own claim; the first failure stops and is returned. */
async function fileItems(ports: FilingPorts, system: TicketSystem, incidentId: string, parent: FiledTicket, draft: TicketDraft, staleMs: number): Promise<string | null> {
  if (!system.createItem || draft.actionItems.length === 0) return null;
  const filed = await ports.tickets.filedItems(incidentId, system.system);
  for (const item of draft.actionItems) {
    if (filed.has(item.id)) continue;
    const claimId = randomUUID();
    // Not claimed: another replica is filing this item right now.
    if (!(await ports.tickets.claimItem(incidentId, system.system, item.id, claimId, staleMs))) continue;
    let created: FiledTicket;
    try {
      created = await system.createItem(parent, item);
    } catch (err) {
      await ports.tickets.dropItemClaim(incidentId, system.system, item.id, claimId);
      return `${system.describe(parent.ref)} is filed, but the action item "${cut(item.text, 80)}" could not be added: ${sentenceOf(ports, system, err)}`;
    }
    await ports.tickets.recordItemFiled(incidentId, system.system, item.id, claimId, created.ref);
  }
  return null;
}

function sentenceOf(ports: FilingPorts, system: TicketSystem, err: unknown): string {
  if (err instanceof TicketError) return ports.redactor.redact(err.message);
  const why = ports.redactor.redact(err instanceof Error ? err.message : String(err));
  ports.logger?.error({ err: why, system: system.system }, 'post-mortem filing failed unexpectedly');
  return `Filing with ${system.label} failed: ${why.replace(/\.$/, '')}.`;
}

function outcome(system: TicketSystem, status: FilingStatus, ticket: FiledTicket | null, sentence: string): FilingOutcome {
  return { system: system.system, label: system.label, status, ticket, sentence };
}
