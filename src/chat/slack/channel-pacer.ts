import type { OutboundPriority } from '../../core/chat-port.js';

/**
 * Outbound pacing per channel. Slack allows about one message per second per channel and
 * answers bursts with 429 + Retry-After (Grafana OnCall's alert storms delayed everything that
 * way). Every post and update to a channel goes through one queue here:
 *   - at most one call per `intervalMs` per channel, measured from the previous call's answer;
 *   - a person's message (OutboundPriority 'person') goes before every waiting system message (alert
 *     cards, the digest), in the order people's messages came; the call already on its way finishes
 *     first. Across replicas the shared slot (`claimSlot`) is told the priority, so it can let a
 *     person's message on another replica go next as well;
 *   - queued updates of the same message are coalesced: only the latest content is sent, and every
 *     caller waiting on a replaced update is resolved with the result of the one that was sent;
 *   - a rate-limited call waits for Retry-After and is tried again (never dropped), while newer
 *     updates for the same message keep replacing it.
 */
export interface PacerOptions {
  intervalMs?: number;
  /** Returns how long to wait when `err` is a rate limit answer; null for every other error. */
  retryAfterMs(err: unknown): number | null;
  /** Attempts per call when rate-limited before giving up (the error is then thrown to the caller). */
  maxRateLimitRetries?: number;
  onRateLimited?(channel: string, waitMs: number): void;
  /**
   * Claims this channel's next slot across every replica (true) or says another replica just took
   * it, or that a person's message elsewhere goes first (false). Without it each replica paces
   * alone, and N replicas send N messages a second. `priority` is that of the message to be sent.
   */
  claimSlot?(channel: string, intervalMs: number, priority: OutboundPriority): Promise<boolean>;
  /** The shared claim failed (Redis down): the message goes out paced by this process alone. */
  onSlotError?(channel: string, err: unknown): void;
}

interface Job {
  key: string | null;
  op: () => Promise<unknown>;
  priority: OutboundPriority;
  /** Rate-limited answers so far. */
  attempts: number;
  waiters: { resolve(v: unknown): void; reject(e: unknown): void }[];
}

/** How often a person's message asks for the shared slot while another replica holds it: it takes the slot soon after it frees. */
const PERSON_POLL_MS = 50;

interface Lane {
  queue: Job[];
  nextAt: number;
  running: boolean;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class ChannelPacer {
  private readonly lanes = new Map<string, Lane>();
  private readonly intervalMs: number;

  constructor(private readonly opts: PacerOptions) {
    this.intervalMs = opts.intervalMs ?? 1100;
  }

  /**
   * Queues `op` for `channel`: a 'person' job after the people's jobs already waiting and before every
   * 'system' job, a 'system' job last. With a `key` (e.g. "update:TS"), a queued job with the same key
   * is replaced; it keeps its place, or moves up to a person's place when a person now waits for it.
   */
  run<T>(channel: string, key: string | null, op: () => Promise<T>, priority: OutboundPriority = 'system'): Promise<T> {
    let lane = this.lanes.get(channel);
    if (!lane) {
      lane = { queue: [], nextAt: 0, running: false };
      this.lanes.set(channel, lane);
    }
    const queue = lane.queue;
    const promise = new Promise<T>((resolve, reject) => {
      const waiter = { resolve: resolve as (v: unknown) => void, reject };
      const existing = key === null ? undefined : queue.find((j) => j.key === key);
      if (existing) {
        existing.op = op;
        existing.waiters.push(waiter);
        if (priority === 'person' && existing.priority === 'system') {
          existing.priority = 'person';
          queue.splice(queue.indexOf(existing), 1);
          enqueue(queue, existing);
        }
      } else {
        enqueue(queue, { key, op, priority, attempts: 0, waiters: [waiter] });
      }
    });
    if (!lane.running) void this.drain(channel, lane);
    return promise;
  }

  /** Resolves when every queue is empty (for shutdown and tests). */
  async idle(): Promise<void> {
    while ([...this.lanes.values()].some((l) => l.running || l.queue.length > 0)) await sleep(20);
  }

  /** Waits for this channel's shared slot, asked for as often as the priority of the next message warrants. */
  private async sharedTurn(channel: string, lane: Lane): Promise<void> {
    const claim = this.opts.claimSlot;
    if (!claim) return;
    // Bounded: a message is late rather than lost if the slot never seems free.
    const deadline = Date.now() + 20 * this.intervalMs;
    for (;;) {
      // The queue's head now: a person's message that came while this waited is the one asking.
      const priority = lane.queue[0]?.priority ?? 'system';
      try {
        if (await claim(channel, this.intervalMs, priority)) return;
      } catch (err) {
        this.opts.onSlotError?.(channel, err);
        return;
      }
      if (Date.now() >= deadline) return;
      await sleep(priority === 'person' ? PERSON_POLL_MS : Math.max(50, Math.round(this.intervalMs / 5)));
    }
  }

  private async drain(channel: string, lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.queue.length > 0) {
        const wait = lane.nextAt - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.opts.claimSlot) await this.sharedTurn(channel, lane);
        // Chosen once the turn is ours: a person's message that came meanwhile goes first.
        const job = lane.queue[0]!;
        // Read op at call time: a newer update may have replaced it while we waited.
        const op = job.op;
        try {
          const result = await op();
          lane.nextAt = Date.now() + this.intervalMs;
          if (job.op !== op) continue; // replaced while in flight: send the newer content too
          lane.queue.splice(lane.queue.indexOf(job), 1);
          for (const w of job.waiters) w.resolve(result);
        } catch (err) {
          const retryAfter = this.opts.retryAfterMs(err);
          lane.nextAt = Date.now() + Math.max(this.intervalMs, retryAfter ?? 0);
          if (retryAfter !== null && job.attempts++ < (this.opts.maxRateLimitRetries ?? 20)) {
            this.opts.onRateLimited?.(channel, retryAfter);
            continue;
          }
          // A progress update that failed must not take down the final result queued behind it.
          if (job.op !== op) continue;
          lane.queue.splice(lane.queue.indexOf(job), 1);
          for (const w of job.waiters) w.reject(err);
        }
      }
    } finally {
      lane.running = false;
      // An idle lane is forgotten only once its pause is over, so the next message still waits its turn.
      const forget = () => {
        if (!lane.running && lane.queue.length === 0 && this.lanes.get(channel) === lane) this.lanes.delete(channel);
      };
      const rest = lane.nextAt - Date.now();
      if (rest > 0) setTimeout(forget, rest).unref();
      else forget();
    }
  }
}

/** A person's job goes after the people's jobs already waiting, before the first system job; a system job last. */
function enqueue(queue: Job[], job: Job): void {
  if (job.priority === 'system') {
    queue.push(job);
    return;
  }
  const firstSystem = queue.findIndex((j) => j.priority === 'system');
  if (firstSystem === -1) queue.push(job);
  else queue.splice(firstSystem, 0, job);
}
