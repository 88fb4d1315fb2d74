import { Redis } from 'ioredis';
import type { Coordination } from '../core/ports.js';

export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'redis (unparseable URL)';
  }
}

/** Shared across replicas: a dedupe key is claimed with SET NX PX, so exactly one replica wins. */
export class RedisCoordination implements Coordination {
  readonly kind = 'redis' as const;
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix = 'firebreak:') {
    this.redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: true });
    this.redis.on('error', () => {}); // surfaced through ping() and failed commands, not as crashes
  }

  async connect(): Promise<this> {
    await this.redis.connect().catch((err: Error) => {
      throw new Error(`cannot connect to Redis at ${describeRedisUrl(this.redis.options.host ? `redis://${this.redis.options.host}:${this.redis.options.port}` : '')}: ${err.message}`);
    });
    return this;
  }

  async claimOnce(key: string, ttlMs: number): Promise<boolean> {
    const res = await this.redis.set(`${this.prefix}dedupe:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return res === 'OK';
  }

  async ping(): Promise<void> {
    await this.redis.ping();
  }

  /** For other coordination features (rate limits, schedulers) built on the same connection. */
  get client(): Redis {
    return this.redis;
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
