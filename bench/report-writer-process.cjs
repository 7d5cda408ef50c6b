/**
 * The write-sweep-report function's deployed bundle (the path is the first argument) alone in this
 * process, as Lambda runs it: the payload from AMIWARDEN_BENCH_PAYLOAD; the result (or the error),
 * this process's peak RSS, the medians of its RSS in each quarter of the run and what it held
 * (bench/live-memory.cjs) as one JSON line.
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

/**
 * AMIWARDEN_BENCH_REPORT_SMAPS (a file, Linux only): at each new high of the RSS, the RSS by mapping
 * (/proc/self/smaps: the node binary, the C allocator's heap `[heap]`, anonymous memory `[anon]`,
 * ...), in MiB, for what the RSS holds beyond the V8 heap and the live buffers.
 * AMIWARDEN_BENCH_REPORT_SMAPS_TRACE (a file, Linux only): the same through the run, one JSON line
 * appended every 8 samples (2 s) and one at its end, each with the time since the start (`ms`) and
 * what the sample found live: whether a mapping grows as the run goes on, or only moves at its high.
 */
const { appendFileSync, readFileSync, writeFileSync } = require('node:fs');
const { rssByMappingMiB } = require('./live-memory.cjs');
const SMAPS = process.env.AMIWARDEN_BENCH_REPORT_SMAPS;
const TRACE = process.env.AMIWARDEN_BENCH_REPORT_SMAPS_TRACE;
const started = Date.now();
let highestRss = 0;
let samples = 0;
const MiB = (bytes) => Math.round(bytes / 2 ** 20);
const memorySample = (m) => ({ rssMiB: MiB(m.rss), heapCommittedMiB: MiB(m.heapTotal), buffersMiB: MiB(m.arrayBuffers), byMapping: rssByMappingMiB(readFileSync('/proc/self/smaps', 'utf8')) });
const trace = (m) => appendFileSync(TRACE, `${JSON.stringify({ ms: Date.now() - started, heapUsedMiB: MiB(m.heapUsed), ...memorySample(m) })}\n`);

const sampler = setInterval(() => {
  live.sample();
  const m = process.memoryUsage();
  if (TRACE && samples++ % 8 === 0) trace(m);
  if (SMAPS && m.rss > highestRss) {
    highestRss = m.rss;
    writeFileSync(SMAPS, JSON.stringify(memorySample(m)));
  }
}, 250);

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
  if (TRACE) trace(process.memoryUsage());
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...live.peaks, rssQuarterMediansBytes: live.rssQuarterMedians() }));
}

void main();
