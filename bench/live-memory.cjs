/**
 * What a process holds, sampled right after a full collection (the process must run with
 * --expose-gc): its peak V8 heap in use, its peak live ArrayBuffers and Buffers (the memory outside
 * the heap that JavaScript holds), and the peak of the heap V8 kept committed (in use or not).
 */
function liveMemory() {
  const peaks = { heapBytes: 0, buffersBytes: 0, heapCommittedBytes: 0 };
  const rss = [];
  return {
    peaks,
    /** The medians of the RSS sampled (before each collection) in each quarter of the samples, in order. */
    rssQuarterMedians: () => quarterMedians(rss),
    sample() {
      if (typeof global.gc !== 'function') return;
      // The RSS as the process has it, before this sample's collections change it.
      rss.push(process.memoryUsage.rss());
      // V8 frees a collected ArrayBuffer's memory on a background thread, after gc() returns; a
      // second full collection first finishes that sweeping, so the first one's garbage is gone.
      global.gc();
      global.gc();
      const m = process.memoryUsage();
      peaks.heapBytes = Math.max(peaks.heapBytes, m.heapUsed);
      // `arrayBuffers` is every live ArrayBuffer and Buffer; `external` includes it (adding the two
      // counted each Buffer twice) and V8 lowers it only as its sweeper frees memory, after gc returns.
      peaks.buffersBytes = Math.max(peaks.buffersBytes, m.arrayBuffers);
      peaks.heapCommittedBytes = Math.max(peaks.heapCommittedBytes, m.heapTotal);
    },
  };
}

/**
 * The median of each quarter of `values`, in order (fewer than 4 values: none): whether what was
 * sampled through a run rose as the run went on, or stayed level and only its peak moved.
 */
function quarterMedians(values) {
  if (values.length < 4) return [];
  const quarters = [0, 1, 2, 3].map((q) => values.slice(Math.floor((q * values.length) / 4), Math.floor(((q + 1) * values.length) / 4)));
  return quarters.map(median);
}

/** The median of `values` (of an even count, the mean of the middle two). */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The live Buffers and ArrayBuffers now, in bytes (one sample). */
function liveBuffersBytes() {
  const live = liveMemory();
  live.sample();
  return live.peaks.buffersBytes;
}

/**
 * The resident memory of a process by mapping, in KiB, from the text of its /proc/<pid>/smaps: each
 * mapping named by its file's base name (`node`, `libc.so.6`), the kernel's name (`[heap]`: the
 * C allocator's main heap, grown by brk; `[stack]`), or `[anon]` (anonymous memory: V8's heap,
 * large Buffers, other threads' allocator arenas), the mappings of one name summed.
 */
function rssByMappingKiB(smaps) {
  const kib = {};
  let mapping = null;
  for (const line of smaps.split('\n')) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (header) mapping = (header[1] || '[anon]').split('/').pop();
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss && mapping) kib[mapping] = (kib[mapping] ?? 0) + Number(rss[1]);
  }
  return kib;
}

/** `rssByMappingKiB` in whole MiB, the mappings of at least 1 MiB only. */
function rssByMappingMiB(smaps) {
  return Object.fromEntries(
    Object.entries(rssByMappingKiB(smaps))
      .filter(([, v]) => v >= 1024)
      .map(([k, v]) => [k, Math.round(v / 1024)]),
  );
}

module.exports = { liveMemory, liveBuffersBytes, median, quarterMedians, rssByMappingKiB, rssByMappingMiB };
