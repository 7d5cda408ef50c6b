/**
 * The write-sweep-report function's deployed bundle (the path is the first argument) alone in this
 * process, as Lambda runs it: the payload from AMIWARDEN_BENCH_PAYLOAD; the result (or the error)
 * and this process's peak RSS as one JSON line.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

async function main() {
  const { handler } = require(process.argv[2]);
  const payload = JSON.parse(process.env.AMIWARDEN_BENCH_PAYLOAD ?? 'null');
  let line;
  try {
    line = { result: await handler(payload) };
  } catch (error) {
    line = { error: { name: error.name, message: error.message } };
  }
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

void main();
