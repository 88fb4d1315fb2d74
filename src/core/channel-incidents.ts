import type { Logger } from './logger.js';

/** How long this process trusts what it looked up. A channel becomes an incident's only when it is new, so a stale "none" is harmless. */
const TTL_MS = 30_000;
/** Bounds the cache on a busy bot; the oldest look-ups go first. */
const MAX_ENTRIES = 2000;
/** Channels in one look-up at most. */
const MAX_BATCH = 500;

type Found = { id: string } | null;

/** Looks up several channels of one platform at once: the incident of each that has one. */
export type ChannelsLookup = (platform: string, channelIds: string[]) => Promise<Map<string, { id: string }>>;

/**
 * Channel → the incident whose own channel it is, for every invocation the dispatcher handles. It
 * runs on every command and click, so what it read is kept for a short while (one indexed query per
 * channel per 30 s), and with `lookupMany` the channels asked about while a look-up is on its way
 * are looked up together in the next one (a burst of commands in many channels is a few queries,
 * not one each). A failed look-up is not remembered and does not stop the command: a store that is
 * down is reported by the command's own write.
 */
export class ChannelIncidents {
  private readonly cache = new Map<string, { incidentId: string | null; until: number }>();
  /** Channels waiting for the next batched look-up, by key. */
  private waiting = new Map<string, { platform: string; channelId: string; found: Promise<Found>; resolve(f: Found): void; reject(e: unknown): void }>();
  private looking = false;

  constructor(
    private readonly lookup: (platform: string, channelId: string) => Promise<Found>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly lookupMany?: ChannelsLookup,
  ) {}

  async incidentOf(platform: string, channelId: string): Promise<string | null> {
    const key = `${platform}\u0000${channelId}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.incidentId;
    let incidentId: string | null;
    try {
      incidentId = (await (this.lookupMany ? this.batched(key, platform, channelId) : this.lookup(platform, channelId)))?.id ?? null;
    } catch (err) {
      this.logger.warn({ platform, channelId, err: err instanceof Error ? err.message : String(err) }, 'could not look up whether this channel belongs to an incident; the command runs without one');
      return null;
    }
    this.remember(key, incidentId);
    return incidentId;
  }

  /** The first look-up of a quiet moment goes at once; those asked meanwhile wait for it and go together. */
  private batched(key: string, platform: string, channelId: string): Promise<Found> {
    const queued = this.waiting.get(key);
    if (queued) return queued.found;
    let resolve!: (f: Found) => void;
    let reject!: (e: unknown) => void;
    const found = new Promise<Found>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    this.waiting.set(key, { platform, channelId, found, resolve, reject });
    if (!this.looking) void this.drain();
    return found;
  }

  private async drain(): Promise<void> {
    this.looking = true;
    try {
      while (this.waiting.size > 0) {
        const batch = [...this.waiting.values()].slice(0, MAX_BATCH);
        for (const b of batch) this.waiting.delete(`${b.platform}\u0000${b.channelId}`);
        const platforms = [...new Set(batch.map((b) => b.platform))];
        await Promise.all(
          platforms.map(async (platform) => {
            const mine = batch.filter((b) => b.platform === platform);
            try {
              const found = await this.lookupMany!(platform, mine.map((b) => b.channelId));
              for (const b of mine) b.resolve(found.get(b.channelId) ?? null);
            } catch (err) {
              for (const b of mine) b.reject(err);
            }
          }),
        );
      }
    } finally {
      this.looking = false;
    }
  }

  private remember(key: string, incidentId: string | null): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { incidentId, until: this.now() + TTL_MS });
  }
}
