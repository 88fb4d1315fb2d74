/**
 * Writes that arrive while one is on its way go together in the next: the first write of a quiet
 * moment goes at once (no added wait), and under a burst each round trip to the store carries every
 * write that queued meanwhile. On the embedded store every statement is a turn on its one thread, so
 * a burst of N commands costs a handful of statements instead of N.
 *
 * Each caller still gets its own answer only once its own row is stored: nothing is acknowledged
 * before the statement that wrote it succeeded. When the store refuses a batch for what a row holds
 * (SQLSTATE class 22 or 23: the statement rolled back, nothing of it is stored), each of its writes
 * is tried alone, so that row fails only its own caller. Any other failure (a connection lost, a
 * timeout) fails the whole batch without a retry: the statement may have been committed before its
 * answer was lost, and trying the rows again could store them twice.
 */
export class GroupCommit<T, R> {
  private waiting: { item: T; resolve(r: R): void; reject(e: unknown): void }[] = [];
  private running = false;

  constructor(
    /** Writes the items in order and returns one result per item, in the same order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    /** The most items in one write (a statement's parameter limit). */
    private readonly max: number,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.max);
        try {
          const out = await this.write(batch.map((b) => b.item));
          batch.forEach((b, i) => b.resolve(out[i]!));
        } catch (err) {
          if (batch.length === 1 || !refusedForItsRows(err)) {
            for (const b of batch) b.reject(err);
            continue;
          }
          await Promise.all(
            batch.map((b) =>
              this.write([b.item]).then(
                (out) => b.resolve(out[0]!),
                (e: unknown) => b.reject(e),
              ),
            ),
          );
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** A data exception or a constraint violation: PostgreSQL refused the statement for what it holds. */
function refusedForItsRows(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}
