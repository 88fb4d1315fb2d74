/**
 * One heartbeat ping: GET the URL of an external dead man's switch (healthchecks.io, a PagerDuty
 * heartbeat, Better Stack…). Those accept GET and answer 2xx; anything else is a failed ping,
 * said in one sentence with the status, so the log tells why the switch may trip.
 */
export async function pingHeartbeat(url: string, timeoutMs: number): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'follow' });
  } catch (err) {
    const why = err instanceof Error && err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
    throw new Error(`the heartbeat URL could not be reached: ${why}`);
  }
  // The body is not needed; reading it frees the connection.
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`the heartbeat URL answered ${res.status} ${res.statusText}`.trim());
}
