import type { DispatchResult, ReplySink } from './invocation.js';
import type { Logger } from './ports.js';
import type { Reply } from './reply.js';

/**
 * How one platform shows one invocation. `deliverInvocation` calls exactly one of `answer` (the
 * result came within the fast window) or `defer` then `finish`; `progress` only between those two,
 * one call at a time, with the latest state only.
 */
export interface DeliveryAdapter {
  /** The result came quickly: show it as the answer (Discord: the HTTP response itself). */
  answer(result: DispatchResult): Promise<void>;
  /** It takes longer: acknowledge and show `progress` (the latest state so far) or a "running…" placeholder. */
  defer(progress: Reply | null): Promise<void>;
  progress(reply: Reply): Promise<void>;
  /** The result after a deferral; called once every progress update has settled, so it lands last. */
  finish(result: DispatchResult): Promise<void>;
}

/** A dispatch that answers within this is shown at once; a slower one is acknowledged first (Slack and Discord give 3 s). */
export const DEFAULT_FAST_REPLY_MS = 1000;

/**
 * The one delivery path of every chat platform: run the dispatch; answer at once when it is quick,
 * otherwise acknowledge, coalesce progress to the latest state (never more than one update in flight)
 * and deliver the result last. Platform adapters only translate.
 */
export async function deliverInvocation(
  run: (sink: ReplySink) => Promise<DispatchResult>,
  adapter: DeliveryAdapter,
  opts: { fastReplyMs?: number; logger: Logger; what: string },
): Promise<void> {
  let deferred = false;
  let finished = false;
  let pending: Reply | null = null;
  let chain: Promise<void> = Promise.resolve();
  const failed = (stage: string) => (err: unknown) =>
    opts.logger.warn({ err: err instanceof Error ? err.message : String(err), what: opts.what }, `${stage} could not be shown; the result will still be sent`);
  const pump = () => {
    chain = chain
      .then(async () => {
        const latest = pending;
        pending = null;
        if (latest && !finished) await adapter.progress(latest);
      })
      .catch(failed('a progress update'));
  };
  const sink: ReplySink = {
    // Never awaited work for the command: pacing may hold an update for a second, the work goes on.
    progress: async (reply) => {
      if (finished) return;
      pending = reply;
      if (deferred) pump();
    },
  };

  let timer: NodeJS.Timeout | undefined;
  const running = run(sink);
  const quick = await Promise.race([running, new Promise<null>((r) => (timer = setTimeout(() => r(null), opts.fastReplyMs ?? DEFAULT_FAST_REPLY_MS)))]);
  clearTimeout(timer);
  if (quick) {
    finished = true;
    await adapter.answer(quick);
    return;
  }
  deferred = true;
  const first = pending;
  pending = null;
  chain = adapter.defer(first).catch(failed('the acknowledgement'));
  const result = await running;
  finished = true;
  pending = null;
  await chain;
  await adapter.finish(result);
}

/** What a person is told when their command is refused because `waiting` others are still running (chat.max_waiting). */
export function busyText(waiting: number): string {
  return `Firebreak is busy: ${waiting} command${waiting === 1 ? '' : 's'} waiting; try again in a few seconds.`;
}

/** Refusals are logged at most this often, with how many there were: a storm of them is one line, not thousands. */
const BUSY_LOG_EVERY_MS = 10_000;

/**
 * Deliveries still running after their request was answered, by a label people recognise in the log.
 * Shutdown drains them before the store closes. One per platform module.
 */
export class InFlightWork {
  private readonly work = new Map<Promise<void>, string>();
  private refusedSinceLog = 0;
  private lastBusyLog = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly logger: Logger,
    /** Admission control (chat.max_waiting): `busy()` refuses once this many are running. */
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  get size(): number {
    return this.work.size;
  }

  /**
   * Admission control for a new command, asked before it is acknowledged: null when it may run,
   * else the sentence to answer with (and then nothing of it runs). What is already running goes
   * on; a backlog past the limit would only make every answer behind it later and hold memory.
   */
  busy(): string | null {
    const waiting = this.work.size;
    if (waiting < this.maxWaiting) return null;
    this.refusedSinceLog++;
    const now = Date.now();
    if (now - this.lastBusyLog >= BUSY_LOG_EVERY_MS) {
      this.logger.warn({ waiting, limit: this.maxWaiting, refused: this.refusedSinceLog }, `Firebreak is busy: ${waiting} commands waiting (chat.max_waiting ${this.maxWaiting}); refused ${this.refusedSinceLog} new command(s) with "try again in a few seconds"`);
      this.lastBusyLog = now;
      this.refusedSinceLog = 0;
    }
    return busyText(waiting);
  }

  /** Runs after the ack without blocking it; a failure is logged, never thrown into the void. */
  track(label: string, work: Promise<void>): void {
    const p = work.catch((err: unknown) => this.logger.error({ err: err instanceof Error ? err.message : String(err), what: label }, 'delivery failed'));
    this.work.set(p, label);
    void p.finally(() => this.work.delete(p));
  }

  /** Waits for all of it (including work that starts meanwhile), up to `timeoutMs`; returns what was still running. */
  async drain(timeoutMs = Number.POSITIVE_INFINITY): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      while (this.work.size > 0) {
        if ((await Promise.race([Promise.allSettled([...this.work.keys()]), deadline])) === 'timeout') break;
      }
    } finally {
      clearTimeout(timer);
    }
    return [...this.work.values()];
  }
}
