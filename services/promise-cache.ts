/**
 * A per-container cache of reads that a warm Lambda reuses across invocations: one read per key,
 * shared by concurrent callers, and forgotten when it fails, so that a transient error is retried
 * by the next call instead of being handed to every later one.
 */
export function cachedRead<T>(cache: Map<string, Promise<T>>, key: string, read: () => Promise<T>): Promise<T> {
  const cached = cache.get(key);
  if (cached) return cached;
  const pending = read();
  cache.set(key, pending);
  pending.catch(() => {
    if (cache.get(key) === pending) cache.delete(key);
  });
  return pending;
}
