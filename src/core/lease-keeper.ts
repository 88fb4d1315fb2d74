import pRetry from 'p-retry';
import type { LeaseRepository, Logger } from './ports.js';

/**
 * Renews a held lease every third of its lifetime until stopped, so long work never outlives it
 * while a crashed process still frees the key soon. Returns the stop function.
 * `onLost` runs when a renewal finds the lease gone (expired and taken by someone else).
 */
export function keepLeaseAlive(
  leases: LeaseRepository,
  lease: { key: string; holderId: string; ttlMs: number },
  logger: Logger,
  onLost?: () => void,
): () => void {
  const timer = setInterval(() => {
    leases.renew(lease.key, lease.holderId, lease.ttlMs).then(
      (held) => {
        if (!held) {
          logger.warn({ lease: lease.key }, `the lease ${lease.key} was lost while its work ran`);
          onLost?.();
        }
      },
      (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err), lease: lease.key }, 'lease renewal failed; it will be retried'),
    );
  }, Math.max(250, Math.floor(lease.ttlMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Releases a lease; when the store does not answer (an outage), keeps trying in the background
 * until the lease would have expired anyway, so the target is free again as soon as the store is
 * back instead of "already running" for a minute while nothing runs.
 */
export async function releaseLease(leases: LeaseRepository, lease: { key: string; holderId: string; ttlMs: number }, logger: Logger): Promise<void> {
  try {
    await leases.release(lease.key, lease.holderId);
    return;
  } catch (err) {
    logger.warn({ err: err instanceof Error ? err.message : String(err), lease: lease.key }, 'lease release failed; retrying until it would have expired');
  }
  void pRetry(() => leases.release(lease.key, lease.holderId), { retries: Number.POSITIVE_INFINITY, minTimeout: 250, maxTimeout: 5_000, maxRetryTime: lease.ttlMs, unref: true }).then(
    () => logger.info({ lease: lease.key }, 'lease released after the store answered again'),
    () => logger.warn({ lease: lease.key }, 'lease release kept failing; it expires on its own'),
  );
}
