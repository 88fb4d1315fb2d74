import { Redis } from 'ioredis';
import type { Coordination, Logger } from '../core/ports.js';

export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

export interface RedisCoordinationOptions {
  /** Key prefix, so tests and several Firebreaks can share one Redis. */
  prefix?: string;
  /** Told once per cause when Redis stops answering (and once when it answers again). */
  logger?: Logger;
}

/** Shared across replicas: a dedupe key is claimed with SET NX PX, so exactly one replica wins. */
export class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly where: string;
  /**
   * Redis's or the socket's own reason for the last failure (WRONGPASS, ECONNREFUSED…). ioredis
   * reports it only as an 'error' event; connect() and commands fail with "Connection is closed."
   * or "Stream isn't writeable", which say nothing a person can act on.
   */
  private lastError: Error | null = null;
  /** The cause already logged: the reconnect loop repeats it every few hundred ms. */
  private reported: string | null = null;
  private connecting = false;

  constructor(url: string, private readonly opts: RedisCoordinationOptions = {}) {
    this.prefix = opts.prefix ?? 'firebreak:';
    this.where = describeRedisUrl(url);
    // No offline queue: while Redis is down a command fails at once, every time, instead of waiting
    // in ioredis's queue for a reconnect and then running seconds later (or not at all).
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
    this.redis.on('error', (err: Error) => {
      this.lastError = err;
      // connect() reports the first cause itself.
      if (this.connecting || err.message === this.reported) return;
      this.reported = err.message;
      this.opts.logger?.error({ redis: this.where, err: err.message }, `Redis at ${this.where} is unreachable: ${err.message}. Retrying in the background.`);
    });
    this.redis.on('ready', () => {
      if (this.reported !== null) this.opts.logger?.info({ redis: this.where }, `Redis at ${this.where} answers again`);
      this.reported = null;
      this.lastError = null;
    });
  }

  async connect(): Promise<this> {
    this.connecting = true;
    try {
      await this.redis.connect();
    } catch (err) {
      const cause = this.lastError ?? (err as Error);
      this.reported = cause.message;
      throw new Error(`cannot connect to Redis at ${this.where}: ${cause.message}`, { cause });
    } finally {
      this.connecting = false;
    }
    return this;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const res = await this.command(() => this.redis.set(`${this.prefix}dedupe:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX'));
    return res === 'OK';
  }

  async hold(key: string, value: string, ttlMs: number): Promise<void> {
    await this.command(() => this.redis.set(`${this.prefix}held:${key}`, value, 'PX', Math.max(1, Math.round(ttlMs))));
  }

  async takeHeld(key: string): Promise<string | null> {
    // GETDEL (Redis ≥ 6.2): read and removed in one step, so two replicas cannot both use it.
    return this.command(() => this.redis.getdel(`${this.prefix}held:${key}`));
  }

  async ping(): Promise<void> {
    await this.command(() => this.redis.ping());
  }

  /** A failed command names Redis's own reason when the connection is down, not ioredis's "Stream isn't writeable". */
  private async command<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (this.redis.status !== 'ready' && this.lastError) throw new Error(`Redis at ${this.where} is unreachable: ${this.lastError.message}`, { cause: err });
      throw err;
    }
  }

  /** For other coordination features (rate limits, schedulers) built on the same connection. */
  get client(): Redis {
    return this.redis;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
