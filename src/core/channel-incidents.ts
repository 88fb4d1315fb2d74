import type { Logger } from './logger.js';

/** How long this process trusts what it looked up. A channel becomes an incident's only when it is new, so a stale "none" is harmless. */
const TTL_MS = 30_000;
/** Bounds the cache on a busy bot; the oldest look-ups go first. */
const MAX_ENTRIES = 2000;

/**
 * Channel → the incident whose own channel it is, for every invocation the dispatcher handles. It
 * runs on every command and click, so what it read is kept for a short while (one indexed query per
 * channel per 30 s). A failed look-up is not remembered and does not stop the command: a store that
 * is down is reported by the command's own write.
 */
export class ChannelIncidents {
  private readonly cache = new Map<string, { incidentId: string | null; until: number }>();

  constructor(
    private readonly lookup: (platform: string, channelId: string) => Promise<{ id: string } | null>,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async incidentOf(platform: string, channelId: string): Promise<string | null> {
    const key = `${platform}\u0000${channelId}`;
    const hit = this.cache.get(key);
    if (hit && hit.until > this.now()) return hit.incidentId;
    let incidentId: string | null;
    try {
      incidentId = (await this.lookup(platform, channelId))?.id ?? null;
    } catch (err) {
      this.logger.warn({ platform, channelId, err: err instanceof Error ? err.message : String(err) }, 'could not look up whether this channel belongs to an incident; the command runs without one');
      return null;
    }
    this.remember(key, incidentId);
    return incidentId;
  }

  private remember(key: string, incidentId: string | null): void {
    this.cache.delete(key);
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, { incidentId, until: this.now() + TTL_MS });
  }
}
