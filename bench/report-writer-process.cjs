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
 */
const { readFileSync, writeFileSync } = require('node:fs');
const SMAPS = process.env.AMIWARDEN_BENCH_REPORT_SMAPS;
let highestRss = 0;
function rssByMapping() {
  const kib = {};
  let mapping = null;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const header = line.match(/^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/);
    if (header) mapping = (header[1] || '[anon]').split('/').pop();
    const rss = line.match(/^Rss:\s+(\d+) kB/);
    if (rss && mapping) kib[mapping] = (kib[mapping] ?? 0) + Number(rss[1]);
  }
  return Object.fromEntries(Object.entries(kib).filter(([, v]) => v >= 1024).map(([k, v]) => [k, Math.round(v / 1024)]));
}

const sampler = setInterval(() => {
  live.sample();
  const m = process.memoryUsage();
  if (SMAPS && m.rss > highestRss) {
    highestRss = m.rss;
    writeFileSync(SMAPS, JSON.stringify({ rssMiB: Math.round(m.rss / 2 ** 20), heapCommittedMiB: Math.round(m.heapTotal / 2 ** 20), buffersMiB: Math.round(m.arrayBuffers / 2 ** 20), byMapping: rssByMapping() }));
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
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024, ...live.peaks, rssQuarterMediansBytes: live.rssQuarterMedians() }));
}

void main();
