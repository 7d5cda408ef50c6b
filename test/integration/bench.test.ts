/**
 * `npm run bench -- --json`, small: one round of cold starts and a sweep over 20 AMIs. What is
 * checked is the report's form (a table, then one JSON object as the last line, and nothing of
 * the functions' own logs in between), not the figures: those are BENCHMARKS.md's.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { measureColdStarts, PROBES } from '../../bench/cold-start';
import { FUNCTIONS, ROOT } from '../../local/workflows';
import { lambdaNodeMajor } from '../support/bundled-handlers';

describe('npm run bench -- --json', () => {
  it('prints the tables, no log line of the functions, and the results as one JSON object on the last line', () => {
    // As a user runs it: not with the tests' silenced logs.
    const { POWERTOOLS_LOG_LEVEL: _silenced, ...env } = process.env;
    const run = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['bench/main.ts', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...env, AMIWARDEN_BENCH_ROUNDS: '1', AMIWARDEN_BENCH_AMIS: '20', AMIWARDEN_BENCH_SCALE_EMULATOR: '3x2,2x3', AMIWARDEN_BENCH_SCALE_STUB: '4x3' },
      timeout: 240_000,
    });
    expect({ status: run.status, stderr: run.status === 0 ? '' : run.stderr }).toEqual({ status: 0, stderr: '' });

    const lines = run.stdout.trim().split('\n');
    // Powertools' log lines and EMF metrics both carry the service.
    const logLines = lines.filter((line) => line.includes('"service":"amiwarden"'));
    expect(logLines).toEqual([]);
    expect(run.stdout).toContain(`Cold start (bundle load / bare node -e 0 on Node ${lambdaNodeMajor()}.`);
    expect(run.stdout).toContain('Sweep (report mode, 20 AMIs');

    const result = JSON.parse(lines[lines.length - 1]!) as {
      coldStart: { function: string; bundleBytes: number; ratio: number; peerBundleBytes: number; peerRatio: number; overPeer: number }[];
      sweep: { amis: number; accounts: number; regions: number; apiCalls: number; lowerBound: number; naiveCalls: number };
      workflows: { workflow: string; scenario: string; transitions: number; lambdaInvocations: number; lambdaWaitMs: number }[];
      sweepScale: Record<string, number | string>[];
      sweepThroughput: { targets: number; children: number; memberPhaseRounds: number; central: { action: string; calls: number }[]; quotas: Record<string, { perSecond: number; source: string }> };
    };
    expect(Object.keys(result)).toEqual(['coldStart', 'sweep', 'workflows', 'sweepScale', 'sweepThroughput']);
    // The throughput model of 5,000 x 17, on the calls the emulator entry counted: a session (its
    // Organizations check and AssumeRole) per account, one child per account (17 targets, 4 rounds).
    expect(result.sweepThroughput).toMatchObject({ targets: 85_000, children: 5000, memberPhaseRounds: 500 });
    expect(result.sweepThroughput.central.filter((c) => c.action === 'sts:AssumeRole' || c.action === 'organizations:DescribeAccount').map((c) => Math.round(c.calls))).toEqual([5000, 5000]);
    for (const q of Object.values(result.sweepThroughput.quotas)) expect(q.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(result.coldStart.map((c) => c.function).sort()).toEqual(Object.values(FUNCTIONS).map((f) => f.key).sort());
    for (const c of result.coldStart) {
      expect({ fn: c.function, sizeAndRatio: c.bundleBytes > 0 && c.ratio > 0 }).toEqual({ fn: c.function, sizeAndRatio: true });
      // The peer (a default serverless-esbuild bundle) is measured beside it; minified, ours is smaller.
      expect({ fn: c.function, peer: c.peerBundleBytes > c.bundleBytes && c.peerRatio > 0 && c.overPeer > 0 }).toEqual({ fn: c.function, peer: true });
    }
    expect(Object.keys(result.sweep)).toEqual(['amis', 'accounts', 'regions', 'apiCalls', 'lowerBound', 'naiveCalls']);
    expect(result.sweep.amis).toBe(20);
    expect(result.sweep.apiCalls).toBeGreaterThanOrEqual(result.sweep.lowerBound);
    expect(result.workflows.map((w) => w.scenario)).toEqual(['launch failure fixed', 'already granted', 'image re-encrypted and shared', 'image already compliant']);
    expect(run.stdout).toContain('Sweep at scale (report mode');
    expect(result.sweepScale.map((e) => `${e.accounts}x${e.regions}:${e.memberInspections}`)).toEqual(['3x2:emulator', '2x3:emulator', '4x3:stub']);
    // Each entry is a cold start with its own configuration: the second's third Region is configured for it.
    for (const e of result.sweepScale) {
      expect(Object.keys(e).slice(0, 8)).toEqual(['accounts', 'regions', 'amis', 'apiCalls', 'lowerBound', 'maxStateBytes', 'reportPeakRssBytes', 'wallMs']);
      expect({ status: e.status, sane: (e.apiCalls as number) >= (e.lowerBound as number) && (e.maxStateBytes as number) > 0 && (e.reportPeakRssBytes as number) > 0 }).toEqual({ status: expect.stringMatching(/^SUCCEEDED/), sane: true });
      // The report writer ran in its function's memory (or the entry says why not), and what it held is part of its RSS.
      expect(e.reportMemoryLimit).toMatch(/^(\d+ MiB \(cgroup v[12]\)|none \(.+\))$/);
      expect({ held: (e.reportPeakLiveHeapBytes as number) + (e.reportPeakLiveBuffersBytes as number) < (e.reportPeakRssBytes as number), committed: (e.reportPeakHeapCommittedBytes as number) >= (e.reportPeakLiveHeapBytes as number) }).toEqual({ held: true, committed: true });
      // Its RSS by quarter of its run: none for a run of under four samples (a second), else four medians, none above the peak.
      const quarters = e.reportRssQuarterMediansBytes as unknown as number[];
      expect(quarters.length === 0 || (quarters.length === 4 && quarters.every((q) => q > 0 && q <= (e.reportPeakRssBytes as number)))).toBe(true);
    }
  }, 300_000);

  it('--parts: every function gets its built-ins, compile and top-level shares, which add up to its ratio less 1', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'amiwarden-bench-'));
    try {
      const cold = await measureColdStarts(dir, 1, { parts: true });
      expect(cold.functions.map((f) => f.function).sort()).toEqual(Object.values(FUNCTIONS).map((f) => f.key).sort());
      for (const f of cold.functions) {
        const p = f.parts!;
        // The parts are differences of the steps' medians in order (bare, built-ins, compile, whole load), so
        // they add up to the ratio less 1 (each of the four figures rounded to 0.01 on its own); a part taken
        // from the wrong step would not. Their sizes are not checked: one round on a busy machine can even
        // give a negative part (the unit test checks what each step runs).
        const sumOff = Math.abs(p.builtins + p.compile + p.topLevel - (f.ratio - 1));
        expect({ fn: f.function, finite: [p.builtins, p.compile, p.topLevel].every(Number.isFinite), sumOff: sumOff <= 0.021 }).toEqual({ fn: f.function, finite: true, sumOff: true });
      }
      // The libraries alone: each probe bundled (the SDK one larger than Powertools alone) and timed.
      expect(cold.probes!.map((p) => p.probe)).toEqual(Object.keys(PROBES));
      for (const p of cold.probes!) expect({ probe: p.probe, finite: [p.ratio, p.builtinsRatio].every(Number.isFinite) }).toEqual({ probe: p.probe, finite: true });
      const [powertools, withSdk] = cold.probes!;
      expect(withSdk!.bundleBytes).toBeGreaterThan(powertools!.bundleBytes + 100_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
