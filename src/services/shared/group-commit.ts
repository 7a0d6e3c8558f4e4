/**
 * Group commit: items submitted while a write is in flight wait and go together in the next one,
 * so under load one transaction carries many requests and at rest each goes alone at once (no
 * timer, no added latency). Each caller's promise settles with its own item's result once the
 * write holding it committed, or with its error: nothing is answered before it is stored. A
 * write that fails is tried again item by item, so one bad item fails alone.
 */
export class GroupCommit<T, R> {
  private waiting: Array<{ item: T; resolve: (result: R) => void; reject: (error: unknown) => void }> = [];
  private writing = 0;

  constructor(
    /** Writes the items in one go; one result per item, in order. */
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly limits: {
      /** Items in one write at most. */
      readonly batch: number;
      /** Writes in flight at once: one prepares while another commits. */
      readonly concurrency: number;
      /** Items waiting at most; past it `submit` refuses (`overloaded`) rather than queue without end. */
      readonly waiting: number;
      readonly overloaded: () => Error;
    },
  ) {}

  submit(item: T): Promise<R> {
    if (this.waiting.length >= this.limits.waiting) return Promise.reject(this.limits.overloaded());
    const result = new Promise<R>((resolve, reject) => this.waiting.push({ item, resolve, reject }));
    if (this.writing < this.limits.concurrency) void this.drain();
    return result;
  }

  /** Items waiting for a write (what the tests look at). */
  get backlog(): number {
    return this.waiting.length;
  }

  private async drain(): Promise<void> {
    this.writing++;
    try {
      for (let first = true; this.waiting.length > 0; first = false) {
        // After a write, let the requests already read from the sockets reach `submit` first: a
        // write taken at once would carry only the one that slipped in during the answers.
        if (!first) await new Promise((resolve) => setImmediate(resolve));
        const taken = this.waiting.splice(0, this.limits.batch);
        try {
          const results = await this.write(taken.map((t) => t.item));
          taken.forEach((t, i) => t.resolve(results[i]!));
        } catch (error) {
          if (taken.length === 1) taken[0]!.reject(error);
          // One item the store refuses must not fail the others that shared its write: each alone.
          else for (const t of taken) await this.write([t.item]).then(([r]) => t.resolve(r!), t.reject);
        }
      }
    } finally {
      this.writing--;
    }
  }
}
