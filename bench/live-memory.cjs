/**
 * What a process holds, sampled right after a full collection (the process must run with
 * --expose-gc): its peak V8 heap in use, its peak live ArrayBuffers and Buffers (the memory outside
 * the heap that JavaScript holds), and the peak of the heap V8 kept committed (in use or not).
 */
function liveMemory() {
  const peaks = { heapBytes: 0, buffersBytes: 0, heapCommittedBytes: 0 };
  return {
    peaks,
    sample() {
      if (typeof global.gc !== 'function') return;
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

/** The live Buffers and ArrayBuffers now, in bytes (one sample). */
function liveBuffersBytes() {
  const live = liveMemory();
  live.sample();
  return live.peaks.buffersBytes;
}

module.exports = { liveMemory, liveBuffersBytes };
