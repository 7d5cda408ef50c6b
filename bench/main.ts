/**
 * `npm run bench`: the targets that are about time, memory and money, measured in one run and
 * reported as ratios and counts (never as timed assertions in tests). BENCHMARKS.md explains them.
 *   npm run bench               a table
 *   npm run bench -- --json     the same as one JSON object on the last line
 *   npm run bench -- --parts    also where each function's cold start goes (three times the runs)
 * The sweep at scale: AMIWARDEN_BENCH_SCALE_EMULATOR (accounts x regions inspected on the emulator,
 * default 1000x2,100x17: the second gives each child a whole account of 17 Regions) and
 * AMIWARDEN_BENCH_SCALE_STUB (with stubbed member inspections, default 1000x17,5000x17), each over
 * AMIWARDEN_BENCH_AMIS central AMIs.
 */
import path from 'node:path';
import { measureColdStarts } from './cold-start';
import { measureSweep } from './sweep';
import { measureSweepScale, type SweepScaleEntry } from './sweep-scale';
import { measureWorkflows } from './workflows';
import { sweepThroughput, QUOTAS, type ThroughputModel } from './throughput';
import { functionTimeoutSeconds } from './memory-limit';
import { DEFAULT_SWEEP_BATCH_SIZE, DEFAULT_SWEEP_MAX_CONCURRENCY } from '../core/config';
import { BATCH_CONCURRENCY, targetsPerBatch } from '../services/sweep';
import { ROOT } from '../local/workflows';

const TARGETS = { coldStartRatio: 2.0, overPeer: 1, fixTransitions: 10, fixLambdaInvocations: 3, lambdaWaitMs: 0, sweepRatio: 1.05 };

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // The functions run in this process for the workflows and the sweep: their logs and metrics would bury the tables.
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const json = process.argv.includes('--json');
  const parts = process.argv.includes('--parts');
  const rounds = Number(process.env.AMIWARDEN_BENCH_ROUNDS ?? 25);
  const cold = await measureColdStarts(path.join(ROOT, '.bench/bundles'), rounds, { parts });
  // Each part sets up its own world: nothing of the last part's environment may carry over
  // (the workflows' settings once made the sweep page and judge with the wrong ones).
  const baseline = { ...process.env };
  const freshEnvironment = () => {
    for (const name of Object.keys(process.env)) if (!(name in baseline)) delete process.env[name];
    Object.assign(process.env, baseline);
  };
  freshEnvironment();
  const workflows = await measureWorkflows();
  const amis = Number(process.env.AMIWARDEN_BENCH_AMIS ?? 5000);
  freshEnvironment();
  const sweep = await measureSweep(amis, (done) => process.stderr.write(`  registered ${done} AMIs\r`));
  const scaleSpecs = [
    ...sizes(process.env.AMIWARDEN_BENCH_SCALE_EMULATOR ?? '1000x2,100x17').map((s) => ({ ...s, amis, stub: false })),
    ...sizes(process.env.AMIWARDEN_BENCH_SCALE_STUB ?? '1000x17,5000x17').map((s) => ({ ...s, amis, stub: true })),
  ];
  const sweepScale: SweepScaleEntry[] = [];
  for (const spec of scaleSpecs) {
    freshEnvironment();
    sweepScale.push(await measureSweepScale(spec, (what) => process.stderr.write(`  sweep at scale: ${what}\n`)));
  }

  // The throughput model (bench/throughput.ts) of 5,000 x 17 at the default settings, on the calls
  // per target and per account the emulator entry counted.
  const counted = sweepScale.find((e) => e.memberInspections === 'emulator');
  const throughput = counted ? throughputOf(counted) : null;

  const verdict = (ok: boolean) => (ok ? 'meets target' : 'misses target');
  console.log(`\nCold start (bundle load / bare node -e 0 on Node ${cold.node}, medians of ${rounds} interleaved runs, ${cold.cpu}; bare = ${cold.bareMs.toFixed(0)} ms)`);
  console.log('peer: the same handler bundled by a serverless-esbuild setup with no esbuild configuration (no minify, default mainFields)');
  const coldWidths = [24, 11, 7, 15, 9, 11, 12, 14];
  console.log(row(['function', 'bundle KiB', 'ratio', `target ≤ ${TARGETS.coldStartRatio}`, 'peer KiB', 'peer ratio', 'ours / peer', 'target < 1'], coldWidths));
  for (const f of cold.functions) {
    console.log(
      row([
        f.function,
        (f.bundleBytes / 1024).toFixed(0),
        f.ratio.toFixed(2),
        verdict(f.ratio <= TARGETS.coldStartRatio),
        (f.peerBundleBytes / 1024).toFixed(0),
        f.peerRatio.toFixed(2),
        f.overPeer.toFixed(2),
        verdict(f.overPeer < TARGETS.overPeer),
      ], coldWidths),
    );
  }
  if (parts) {
    console.log('\nWhere a cold start goes beyond a bare node (shares of a bare node; they add up to the ratio less 1)');
    console.log(row(['function', 'Node built-ins', 'compile', 'top level']));
    for (const f of cold.functions) if (f.parts) console.log(row([f.function, f.parts.builtins.toFixed(2), f.parts.compile.toFixed(2), f.parts.topLevel.toFixed(2)]));
    console.log('\nThe libraries alone, bundled and loaded as the functions are (bench/cold-start.ts PROBES; ratios to a bare node)');
    console.log(row(['probe', 'bundle KiB', 'ratio', 'its built-ins alone']));
    for (const p of cold.probes ?? []) console.log(row([p.probe, (p.bundleBytes / 1024).toFixed(0), p.ratio.toFixed(2), p.builtinsRatio.toFixed(2)]));
  }

  console.log('\nWorkflows (one execution each, on the emulator, real handlers)');
  console.log(row(['workflow', 'scenario', 'result', 'transitions', 'lambdas', 'lambda wait ms', 'AWS calls']));
  for (const w of workflows) console.log(row([w.workflow, w.scenario, w.status, String(w.transitions), String(w.lambdaInvocations), String(w.lambdaWaitMs), String(w.apiCalls)]));
  const fix = workflows.find((w) => w.scenario === 'launch failure fixed');
  if (fix) {
    console.log(
      `launch-failure fix: ${fix.transitions} transitions (target ≤ ${TARGETS.fixTransitions}), ${fix.lambdaInvocations} Lambda invocations (target ≤ ${TARGETS.fixLambdaInvocations}): ${verdict(fix.transitions <= TARGETS.fixTransitions && fix.lambdaInvocations <= TARGETS.fixLambdaInvocations)}`,
    );
  }
  const ratio = sweep.apiCalls / sweep.lowerBound;
  console.log(`\nSweep (report mode, ${sweep.amis} AMIs over ${sweep.distinctKeys} distinct keys, ${sweep.accounts} member accounts × ${sweep.regions} region; ${sweep.status})`);
  console.log(row(['API calls', 'lower bound', 'ratio', `target ≤ ${TARGETS.sweepRatio}`, 'naive', 'S3 calls']));
  console.log(row([String(sweep.apiCalls), String(sweep.lowerBound), ratio.toFixed(2), verdict(ratio <= TARGETS.sweepRatio), String(sweep.naiveCalls), String(sweep.storageCalls)]));
  printOverBound(sweep.callsByAction, sweep.boundByAction);

  console.log('\nSweep at scale (report mode, the deployed state machine on the local runner, accounts from Organizations)');
  console.log(row(['accounts x regions', 'member inspections', 'API calls / bound', 'max state bytes', 'report RSS MiB', 'live heap MiB', 'buffers MiB', 'wall s', 'S3 calls', 'children'], [20, 20, 20, 16, 15, 14, 12, 8, 9, 9]));
  for (const e of sweepScale) {
    const mib = (b: number) => (b / 2 ** 20).toFixed(1);
    console.log(
      row([`${e.accounts} x ${e.regions}`, e.memberInspections, `${e.apiCalls} / ${e.lowerBound}`, String(e.maxStateBytes), mib(e.reportPeakRssBytes), mib(e.reportPeakLiveHeapBytes), mib(e.reportPeakLiveBuffersBytes), (e.wallMs / 1000).toFixed(1), String(e.storageCalls), String(e.mapChildren)], [20, 20, 20, 16, 15, 14, 12, 8, 9, 9]),
    );
    if (!e.status.startsWith('SUCCEEDED')) console.log(`  ${e.status}`);
    printOverBound(e.callsByAction, e.boundByAction);
    console.log(`  report writer (memory: ${e.reportMemoryLimit}): held at most ${e.reportPeakFindingsHeld} findings and ${(e.reportPeakBytesHeld / 2 ** 20).toFixed(1)} MiB of unsent report bytes at once; V8 kept up to ${(e.reportPeakHeapCommittedBytes / 2 ** 20).toFixed(1)} MiB of heap; RSS medians by quarter of its run ${e.reportRssQuarterMediansBytes.map(mib).join(' / ') || '-'} MiB`);
  }

  if (throughput) {
    const { model, emulatorTargetSeconds } = throughput;
    console.log(`\nSweep throughput model (bench/throughput.ts): 5,000 x 17, batch ${targetsPerBatch(DEFAULT_SWEEP_BATCH_SIZE, 17)} (whole accounts), ${DEFAULT_SWEEP_MAX_CONCURRENCY} children at once, ${BATCH_CONCURRENCY} targets of a batch at once; calls per target and account from ${counted!.accounts} x ${counted!.regions} on the emulator`);
    console.log(`  ${model.targets} targets, ${model.children} children in ${model.waves} waves: the member phase takes ${model.memberPhaseRounds} x t (t: one target's inspection); it fits a day while t ≤ ${model.maxTargetSecondsForSchedule.toFixed(0)} s; a child's ${model.roundsPerChild} rounds fit its Lambda's timeout while t ≤ ${model.maxTargetSecondsForChild.toFixed(0)} s`);
    console.log(`  t on the emulator: ${emulatorTargetSeconds.toFixed(3)} s (one process answering ${DEFAULT_SWEEP_MAX_CONCURRENCY} children at once: its contention, not AWS's latency)`);
    console.log(row(['central quota', 'calls', 'per second', 'least time s', 'kept while t ≥ s'], [32, 10, 12, 14, 16]));
    for (const c of model.central) console.log(row([c.action, c.calls.toFixed(0), String(c.quotaPerSecond), c.floorSeconds.toFixed(0), c.minTargetSeconds.toFixed(3)], [32, 10, 12, 14, 16]));
    console.log(row(['member quota (account, Region)', 'per target', 'per second', 'bucket', 'kept while t ≥ s'], [32, 10, 12, 8, 16]));
    for (const m of model.member) console.log(row([m.action, m.callsPerTarget.toFixed(2), String(m.quotaPerSecond), m.bucket === null ? '—' : String(m.bucket), m.minTargetSeconds === 0 ? 'any t' : m.minTargetSeconds.toFixed(3)], [32, 10, 12, 8, 16]));
    console.log(`  Lambda: ${model.lambdaConcurrency.used} member inspections at once (of ${model.lambdaConcurrency.quota} concurrent executions)`);
  }

  if (json) {
    console.log(
      JSON.stringify({
        coldStart: cold.functions.map(({ function: fn, bundleBytes, ratio, peerBundleBytes, peerRatio, overPeer, parts: p }) => ({ function: fn, bundleBytes, ratio, peerBundleBytes, peerRatio, overPeer, ...(p ? { parts: p } : {}) })),
        ...(cold.probes ? { coldStartProbes: cold.probes } : {}),
        sweep: { amis: sweep.amis, accounts: sweep.accounts, regions: sweep.regions, apiCalls: sweep.apiCalls, lowerBound: sweep.lowerBound, naiveCalls: sweep.naiveCalls },
        workflows: workflows.map(({ workflow, scenario, transitions, lambdaInvocations, lambdaWaitMs }) => ({ workflow, scenario, transitions, lambdaInvocations, lambdaWaitMs })),
        sweepScale: sweepScale.map(({ accounts, regions, amis, apiCalls, lowerBound, maxStateBytes, reportPeakRssBytes, reportPeakLiveHeapBytes, reportPeakLiveBuffersBytes, reportPeakHeapCommittedBytes, reportRssQuarterMediansBytes, reportMemoryLimit, wallMs, memberInspections, storageCalls, lambdaInvocations, mapChildren, reportPeakFindingsHeld, reportPeakBytesHeld, status, perTargetCalls, perAccountCentralCalls, childMs }) => ({
          accounts, regions, amis, apiCalls, lowerBound, maxStateBytes, reportPeakRssBytes, wallMs, reportPeakLiveHeapBytes, reportPeakLiveBuffersBytes, reportPeakHeapCommittedBytes, reportRssQuarterMediansBytes, reportMemoryLimit, memberInspections, storageCalls, lambdaInvocations, mapChildren, reportPeakFindingsHeld, reportPeakBytesHeld, status,
          ...(memberInspections === 'emulator' ? { perTargetCalls, perAccountCentralCalls, childMs } : {}),
        })),
        ...(throughput ? { sweepThroughput: { ...throughput.model, emulatorTargetSeconds: throughput.emulatorTargetSeconds, quotas: QUOTAS } } : {}),
      }),
    );
  }
}

function throughputOf(e: SweepScaleEntry): { model: ThroughputModel; emulatorTargetSeconds: number } {
  const model = sweepThroughput({
    accounts: 5000,
    regions: 17,
    batchSize: targetsPerBatch(DEFAULT_SWEEP_BATCH_SIZE, 17),
    maxConcurrency: DEFAULT_SWEEP_MAX_CONCURRENCY,
    perChild: BATCH_CONCURRENCY,
    // In a deployment an organization is configured, and each AssumeRole follows Organizations'
    // DescribeAccount (adapters/sts.ts; one of each per account: test/integration/sweep-lower-bound.test.ts).
    // The benchmark's world configures none, so the check is counted as the AssumeRole is.
    perAccount: { ...e.perAccountCentralCalls, 'organizations:DescribeAccount': e.perAccountCentralCalls['sts:AssumeRole'] ?? 0 },
    perTarget: e.perTargetCalls,
    intervalSeconds: 86_400,
    childTimeoutSeconds: functionTimeoutSeconds('inspectMemberAccount'),
  });
  // The emulator entry's children held targetsPerBatch(…, its regions) targets, BATCH_CONCURRENCY at a time.
  return { model, emulatorTargetSeconds: (e.childMs ?? 0) / 1000 / Math.ceil(targetsPerBatch(DEFAULT_SWEEP_BATCH_SIZE, e.regions) / BATCH_CONCURRENCY) };
}

/** Each action whose calls differ from its term of the lower bound (bench/lower-bound.ts). */
function printOverBound(calls: Record<string, number>, bound: Record<string, number>): void {
  const actions = [...new Set([...Object.keys(calls), ...Object.keys(bound)])].sort();
  const off = actions.filter((a) => (calls[a] ?? 0) !== (bound[a] ?? 0));
  for (const a of off) console.log(`  ${a}: ${calls[a] ?? 0} calls, bound ${bound[a] ?? 0}`);
}

/** "1000x2,5000x17" → [{accounts: 1000, regions: 2}, …]. */
function sizes(spec: string): { accounts: number; regions: number }[] {
  return spec.split(',').filter(Boolean).map((s) => {
    const [accounts, regions] = s.split('x').map(Number);
    if (!Number.isInteger(accounts) || !Number.isInteger(regions) || regions! < 1 || regions! > 17) throw new Error(`bad sweep size ${s}: expected <accounts>x<regions> (1-17 regions)`);
    return { accounts: accounts!, regions: regions! };
  });
}

function row(cells: string[], widths = [24, 24, 24, 14, 10, 16, 10]): string {
  return cells.map((c, i) => c.padEnd(widths[i] ?? 12)).join(' ');
}

main().catch((error: Error) => {
  console.error(`bench failed: ${error.name}: ${error.message}`);
  process.exit(1);
});
