/**
 * The write-sweep-report function's deployed bundle (the path is the first argument) alone in this
 * process, as Lambda runs it: the payload from AMIWARDEN_BENCH_PAYLOAD; the result (or the error)
 * and this process's peak RSS as one JSON line.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

/**
 * With --expose-gc (the benchmark passes it), the live heap is sampled every 250 ms right after a
 * full collection: its peak is what the writer holds, apart from the garbage V8 has not collected
 * yet (which the peak RSS includes).
 */
const live = { heapBytes: 0, externalBytes: 0 };
function sample() {
  if (typeof global.gc !== 'function') return;
  global.gc();
  const m = process.memoryUsage();
  live.heapBytes = Math.max(live.heapBytes, m.heapUsed);
  live.externalBytes = Math.max(live.externalBytes, m.external + m.arrayBuffers);
}
const sampler = setInterval(sample, 250);

async function main() {
  const { handler } = require(process.argv[2]);
  const payload = JSON.parse(process.env.AMIWARDEN_BENCH_PAYLOAD ?? 'null');
  let line;
  try {
    line = { result: await handler(payload) };
  } catch (error) {
    line = { error: { name: error.name, message: error.message } };
  }
  clearInterval(sampler);
  sample();
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024, liveHeapBytes: live.heapBytes, liveExternalBytes: live.externalBytes }));
}

void main();
