/**
 * Runs `work` over `items` with at most `width` at once, results in the items' order: how the
 * sweep bounds its member inspections (and the local runner its Map children). It fails as a whole:
 * after a failure no further item is started, and it answers the first failure only once the work
 * already running has ended, so that nothing it started runs on after it (in Lambda, that work
 * would go on in the sandbox's next invocation).
 */
export async function inParallel<T, R>(items: T[], width: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(width, items.length)) }, async () => {
      while (!failure && next < items.length) {
        const i = next++;
        try {
          results[i] = await work(items[i]!, i);
        } catch (error) {
          failure ??= { error };
        }
      }
    }),
  );
  if (failure) throw failure.error;
  return results;
}

/**
 * Runs `work` over `items` with at most `width` at once and yields the results in the items' order
 * as they come: at most `width` results are held (running or waiting for an earlier one), so a
 * consumer that handles each as it is yielded holds a bounded number whatever the number of items.
 */
export async function* inOrder<T, R>(items: Iterable<T>, width: number, work: (item: T) => Promise<R>): AsyncGenerator<R> {
  const pending: Promise<R>[] = [];
  const source = items[Symbol.iterator]();
  const fill = () => {
    while (pending.length < Math.max(1, width)) {
      const next = source.next();
      if (next.done) return;
      const started = work(next.value);
      // A rejection is seen when its turn comes; until then it must not count as unhandled.
      started.catch(() => undefined);
      pending.push(started);
    }
  };
  fill();
  while (pending.length > 0) {
    const result = await pending.shift()!;
    fill();
    yield result;
  }
}
