import type { ConsoleMessage } from '../../core/console-messages.js';

/** What the feed polls: the store directly, or the running server's changes endpoint. */
export type ConsoleChangesSource = (since?: number) => Promise<{ version: number; messages: ConsoleMessage[] }>;

export interface ConsoleFeedHandlers {
  /** Messages posted or changed since the last poll, oldest change first; `isNew` when posted since then. */
  show(changes: { message: ConsoleMessage; isNew: boolean }[]): void;
  /** The last messages posted before the feed opened (the source's answer to its first poll), oldest first. */
  earlier?(messages: ConsoleMessage[]): void;
  /** A poll failed (once per run of failures), or `null`: polls work again. */
  problem(message: string | null): void;
}

export const FEED_INTERVAL_MS = 500;

/**
 * Shows what the system posts to the console platform while `firebreak console` is open. PGlite
 * has no cross-connection LISTEN/NOTIFY (and the console may be a separate process talking to the
 * server over loopback), so it polls by version: every write to a console message takes the next
 * version in commit order, and the feed asks for what changed after the last one it saw.
 */
export class ConsoleFeed {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private stopped = false;
  private failing = false;

  private constructor(
    private readonly source: ConsoleChangesSource,
    private readonly handlers: ConsoleFeedHandlers,
    private readonly intervalMs: number,
    private since: number | undefined,
  ) {}

  /**
   * Starts from the current version, read before this returns: the source's first answer is what was
   * posted before (shown through `earlier`), and from then on what changes.
   */
  static async open(source: ConsoleChangesSource, handlers: ConsoleFeedHandlers, intervalMs = FEED_INTERVAL_MS): Promise<ConsoleFeed> {
    const feed = new ConsoleFeed(source, handlers, intervalMs, undefined);
    await feed.poll();
    feed.schedule();
    return feed;
  }

  /** Waits for a poll in flight, so the store is not closed under it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.inFlight;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.poll().then(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    try {
      const since = this.since;
      const r = await this.source(since);
      if (this.stopped) return;
      if (since === undefined && r.messages.length > 0) this.handlers.earlier?.(r.messages);
      if (since !== undefined && r.messages.length > 0) {
        const changes = r.messages.map((message) => ({ message, isNew: message.createdVersion > since }));
        // A message posted and edited between two polls is shown once, as posted: in the order of posting,
        // so it comes before the thread replies made to it in the meantime.
        const at = (c: (typeof changes)[number]) => (c.isNew ? c.message.createdVersion : c.message.version);
        this.handlers.show(changes.sort((a, b) => at(a) - at(b)));
      }
      this.since = r.version;
      if (this.failing) {
        this.failing = false;
        this.handlers.problem(null);
      }
    } catch (err) {
      if (this.stopped || this.failing) return;
      this.failing = true;
      this.handlers.problem((err as Error).message);
    }
  }
}
