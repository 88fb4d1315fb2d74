/**
 * Whether an error is the store being unreachable (PostgreSQL down, restarting, the network gone),
 * as opposed to a bad statement: an outage is told in words and what already ran is kept for later.
 */
export function isStoreOutage(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006'].includes(code) ||
    /connect ECONNREFUSED|Connection terminated|terminating connection|database system is (starting up|shutting down)|Client has encountered a connection error/i.test(message)
  );
}

/**
 * Whether the store refused a value itself (SQLSTATE class 22, data exception: bad encoding, a time
 * out of range; class 54, program limit: an index entry too large). Such an error comes back on
 * every retry of the same request, so it is the request's to fix, never a reason to retry.
 */
export function isRefusedValue(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|54)[0-9A-Z]{3}$/.test(code);
}
