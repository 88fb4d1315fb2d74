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
