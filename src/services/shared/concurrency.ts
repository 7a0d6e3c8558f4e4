/** Runs `fn` over `items` with at most `limit` calls in flight; rejects on the first failure. */
export async function mapWithLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/**
 * Runs `tasks` at once, each given a signal that follows `signal`. The first to fail aborts the
 * others (with its error as the reason), and is thrown once every task has stopped, so nothing
 * the failed run started is still writing when the caller goes on.
 */
export async function runTogether<R>(
  signal: AbortSignal,
  tasks: readonly ((signal: AbortSignal) => Promise<R>)[],
): Promise<R[]> {
  const shared = new AbortController();
  const follow = () => shared.abort(signal.reason);
  if (signal.aborted) follow();
  else signal.addEventListener('abort', follow, { once: true });
  let first: { error: unknown } | null = null;
  try {
    const settled = await Promise.allSettled(
      tasks.map((task) =>
        task(shared.signal).catch((error: unknown) => {
          if (!first) {
            first = { error };
            shared.abort(error);
          }
          throw error;
        }),
      ),
    );
    if (first) throw (first as { error: unknown }).error;
    return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
  } finally {
    signal.removeEventListener('abort', follow);
  }
}
