/**
 * The filed tickets of post-mortems, one per incident and ticket system (postmortem_tickets), and
 * the action items filed under them (postmortem_ticket_items). Every write is one conditional
 * statement, so two replicas can never both claim a ticket or an item.
 */
export interface StoredTicket {
  incidentId: string;
  system: string;
  /** Null until it is filed: the row is then a claim (claimId set) or a failed attempt (lastError). */
  ref: string | null;
  url: string | null;
  /** Whoever is filing it right now; null once filed or after a failure. */
  claimId: string | null;
  /** Why the last attempt failed (one sentence); null after a success. */
  lastError: string | null;
  updatedAt: Date;
}

export interface PostmortemTicketStore {
  get(incidentId: string, system: string): Promise<StoredTicket | null>;
  list(incidentId: string): Promise<StoredTicket[]>;
  /** True for the one caller that inserted the row (INSERT … ON CONFLICT DO NOTHING). */
  claim(incidentId: string, system: string, claimId: string): Promise<boolean>;
  /** Claims a row nobody is filing: not filed, and no claim or one unfinished for `staleMs` (its filer died). */
  reclaim(incidentId: string, system: string, claimId: string, staleMs: number): Promise<boolean>;
  /** The claimed ticket was created. False when the claim was taken over meanwhile. */
  recordFiled(incidentId: string, system: string, claimId: string, ref: string, url: string | null): Promise<boolean>;
  /** Filing failed: the claim is released and the reason kept, for the next attempt (Retry). */
  recordFailed(incidentId: string, system: string, claimId: string, error: string): Promise<void>;
  /** After an update of a filed ticket: its url, and the error of that attempt (null: it went through). */
  recordAttempt(incidentId: string, system: string, url: string | null, error: string | null): Promise<void>;
  /** item id → ref of the action items filed under the ticket. */
  filedItems(incidentId: string, system: string): Promise<Map<string, string>>;
  /** Claims one item for filing: not filed yet, and unclaimed or its claim is `staleMs` old. */
  claimItem(incidentId: string, system: string, itemId: string, claimId: string, staleMs: number): Promise<boolean>;
  recordItemFiled(incidentId: string, system: string, itemId: string, claimId: string, ref: string): Promise<boolean>;
  /** The item could not be filed: frees it for the next attempt. */
  dropItemClaim(incidentId: string, system: string, itemId: string, claimId: string): Promise<void>;
}
