/**
 * The write-sweep-report function's deployed bundle (the path is the first argument) alone in this
 * process, as Lambda runs it: the payload from AMIWARDEN_BENCH_PAYLOAD; the result (or the error),
 * this process's peak RSS and what it held (bench/live-memory.cjs) as one JSON line.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

const { liveMemory } = require('./live-memory.cjs');

/**
 * With --expose-gc (the benchmark passes it), sampled every 250 ms right after a full collection:
 * its peaks are what the writer holds, apart from the garbage V8 has not collected yet (which the
 * peak RSS includes).
 */
const live = liveMemory();
const sampler = setInterval(() => live.sample(), 250);

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
  live.sample();
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...live.peaks }));
}

void main();
