/**
 * The write-sweep-report handler alone in this process, as Lambda runs it: the payload from
 * AMIWARDEN_BENCH_PAYLOAD, the result (or the error) and this process's peak RSS as one JSON line.
 */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED = 'true';

async function main(): Promise<void> {
  const { handler } = (await import('../functions/write-sweep-report/handler')) as { handler: (payload: unknown) => Promise<unknown> };
  const payload = JSON.parse(process.env.AMIWARDEN_BENCH_PAYLOAD ?? 'null') as unknown;
  let line: Record<string, unknown>;
  try {
    line = { result: await handler(payload) };
  } catch (error) {
    line = { error: { name: (error as Error).name, message: (error as Error).message } };
  }
  console.log(JSON.stringify({ ...line, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

void main();
