/**
 * A wake-up call for this process's alert outbox workers that the ports can carry before any worker
 * exists (main.ts builds the ports first): code that stores an alert outside the webhooks — `/drill`
 * — pokes it so its card is looked for at once, as a webhook's onStored does, instead of at the next
 * poll (up to 0.5 s). A worker listens while it runs; with none running (a `firebreak run` on
 * PostgreSQL with no server in it) a poke does nothing and the replicas' polls find the card.
 */
export class OutboxWake {
  private readonly listeners = new Set<() => void>();

  poke(): void {
    for (const l of this.listeners) l();
  }

  /** Calls `fn` on each poke until the returned function is called. */
  listen(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }
}
