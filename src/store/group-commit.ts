/**
 * Writes that arrive while one is on its way go together in the next: the first write of a quiet
 * moment goes at once (no added wait), and under a burst each round trip to the store carries every
 * write that queued meanwhile. On the embedded store every statement is a turn on its one thread, so
 * a burst of N commands costs a handful of statements instead of N.
 *
 * Each caller still gets its own answer only once its own row is stored: nothing is acknowledged
 * before the statement that wrote it succeeded. When a batch fails, each of its writes is tried
 * alone, so a row the store refuses for what it holds fails only its own caller (and an outage
 * fails each of them, as it would have one by one).
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
          if (batch.length === 1) {
            batch[0]!.reject(err);
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
