import type { Coordination } from '../core/ports.js';

/** One replica only: dedupe keys live in this process. */
export class MemoryCoordination implements Coordination {
  readonly kind = 'memory' as const;
  private readonly keys = new Map<string, number>();

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    if (this.keys.size > 10_000) for (const [k, exp] of this.keys) if (exp <= now) this.keys.delete(k);
    const exp = this.keys.get(key);
    if (exp !== undefined && exp > now) return false;
    this.keys.set(key, now + ttlMs);
    return true;
  }

  private readonly held = new Map<string, { value: string; exp: number }>();

  async hold(key: string, value: string, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [k, h] of this.held) if (h.exp <= now) this.held.delete(k);
    this.held.set(key, { value, exp: now + ttlMs });
  }

  async takeHeld(key: string): Promise<string | null> {
    const h = this.held.get(key);
    this.held.delete(key);
    return h && h.exp > Date.now() ? h.value : null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.keys.clear();
    this.held.clear();
  }
}
