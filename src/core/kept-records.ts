import pRetry, { AbortError } from 'p-retry';
import type { Logger } from './logger.js';
import type { TimelineEventInput } from './timeline.js';

/** How many events are kept while the store is away; past it the oldest kept are dropped (and logged). */
export const MAX_KEPT_RECORDS = 10_000;

/**
 * Events of things that already happened (a tool ran, a rollout finished) that the store could not
 * take because it was unreachable. They are kept in memory, in order, and written as soon as it
 * answers again — bounded, so an outage that lasts for hours cannot exhaust memory. A crash of this
 * process while they are kept loses them: the log line at keep time is their trace.
 */
export class KeptRecords {
  private readonly queue: TimelineEventInput[] = [];
  private draining: Promise<void> | null = null;
  private readonly stop = new AbortController();
  private dropped = 0;

  constructor(
    private readonly write: (e: TimelineEventInput) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly opts: { max?: number; minRetryMs?: number; maxRetryMs?: number } = {},
  ) {}

  get size(): number {
    return this.queue.length;
  }

  keep(e: TimelineEventInput): void {
    if (this.queue.length >= (this.opts.max ?? MAX_KEPT_RECORDS)) {
      this.queue.shift();
      this.dropped++;
      if (this.dropped === 1 || this.dropped % 1000 === 0) this.logger.error({ dropped: this.dropped }, 'The store has been unreachable for long: the oldest kept timeline events are being dropped');
    }
    this.queue.push({ ...e, at: e.at ?? new Date() });
    this.logger.warn({ kind: e.kind, invocationId: e.invocationId, kept: this.queue.length }, 'The store is unreachable: the timeline event is kept and will be written when it answers');
    this.draining ??= this.drain().finally(() => (this.draining = null));
  }

  /** Shutdown: one last try within `timeoutMs`; what cannot be written is named in the log. */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.queue.length === 0) return;
    const done = this.draining ?? Promise.resolve();
    await Promise.race([done, new Promise((r) => setTimeout(r, timeoutMs).unref())]);
    this.stop.abort();
    if (this.queue.length > 0) this.logger.error({ lost: this.queue.map((e) => `${e.kind} ${e.invocationId}`) }, `Shutting down with ${this.queue.length} timeline event(s) the store never took`);
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      try {
        await pRetry(
          async () => {
            if (this.stop.signal.aborted) throw new AbortError('shutting down');
            await this.write(head);
          },
          { retries: Number.POSITIVE_INFINITY, minTimeout: this.opts.minRetryMs ?? 500, maxTimeout: this.opts.maxRetryMs ?? 30_000, signal: this.stop.signal, unref: true },
        );
      } catch {
        return; // aborted: close() reports what is left
      }
      if (this.queue[0] === head) this.queue.shift();
      this.logger.info({ kind: head.kind, invocationId: head.invocationId, left: this.queue.length }, 'A kept timeline event was written');
    }
  }
}
