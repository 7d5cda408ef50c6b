/**
 * What a command needs from the outside world, injected: AWS clients, where to write, time, files,
 * the local runner and Ctrl-C. `defaultContext()` is the real one; tests build their own.
 */
import { readFile } from 'node:fs/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionResult, StateProgress } from './execution';
import { processOutput, type Output } from './output';
import type { FetchedReport, ReportFormat } from './report';
import type { SweepResults } from './sweep-results';

export interface ClientOptions {
  region?: string;
  profile?: string;
}

export interface Clients {
  sfn(options: ClientOptions): SFNClient;
  cloudFormation(options: ClientOptions): CloudFormationClient;
  kms(options: ClientOptions): KMSClient;
  s3(options: ClientOptions): S3Client;
}

export interface LocalRunOptions {
  onState(p: StateProgress): void;
  /** Progress of the set-up (emulator, organization), for people. */
  onNote(text: string): void;
  verbose: boolean;
  onInterrupt: CliContext['onInterrupt'];
  /** compliance-sweep: read this report back from the emulator's bucket before it stops. */
  report?: ReportFormat;
  /** compliance-sweep: keep the reports in this folder (cli/local-store.ts), for `report --local`. */
  localDir?: string;
}

/** An execution this one started (states:startExecution); locally it ran to completion. */
export interface ChildExecution {
  workflow: string;
  executionArn: string;
  input?: unknown;
  status: ExecutionResult['status'];
  output?: unknown;
  error?: { name: string; cause: string };
  durationMs: number;
}

export interface LocalExecutionResult extends ExecutionResult {
  /** The input the workflow ran with (the sandbox may fill some in, e.g. a planted image). */
  input: Record<string, unknown>;
  /** What the sandbox added for this run besides the organization. */
  sandbox: { planted: { imageId: string; name: string; encryption: 'aws/ebs' | 'unencrypted' }[]; reportBucket?: string };
  children: ChildExecution[];
  /** The sweep report, read from the emulator before it stopped (options.report). */
  report?: FetchedReport;
  /** compliance-sweep: its findings, read from its JSON report before the emulator stopped. */
  sweepResults?: SweepResults;
  /** compliance-sweep: the files its reports were saved to (options.localDir). */
  savedReports?: Record<ReportFormat, string>;
}

/** Runs a workflow in this process against the emulator (cli/local.ts). */
export interface LocalRunner {
  run(workflow: string, input: Record<string, unknown>, options: LocalRunOptions): Promise<LocalExecutionResult>;
  /** The sandbox's central key in us-east-1 and its policy, read from the emulator (check-key-policy --local). */
  sandboxKeyPolicy(options: Pick<LocalRunOptions, 'onNote' | 'onInterrupt'>): Promise<SandboxKeyPolicy>;
}

export interface SandboxKeyPolicy {
  keyArn: string;
  policy: string;
  members: string[];
  organizationId?: string;
}

export interface CliContext {
  io: Output;
  clients: Clients;
  env: Record<string, string | undefined>;
  sleep(ms: number): Promise<void>;
  now(): number;
  pollIntervalMs: number;
  readFile(path: string): Promise<string>;
  local: LocalRunner;
  /** Registers a Ctrl-C handler; returns its removal. */
  onInterrupt(handler: () => void): () => void;
}

const config = ({ region, profile }: ClientOptions) => ({ ...(region ? { region } : {}), ...(profile ? { profile } : {}), maxAttempts: 5 });

export const sdkClients: Clients = {
  sfn: (o) => new SFNClient(config(o)),
  cloudFormation: (o) => new CloudFormationClient(config(o)),
  kms: (o) => new KMSClient(config(o)),
  // The report bucket may live in another region than the stack: follow S3's redirect.
  s3: (o) => new S3Client({ ...config(o), followRegionRedirects: true }),
};

export function defaultContext(): CliContext {
  return {
    io: processOutput(),
    clients: sdkClients,
    env: process.env,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => Date.now(),
    pollIntervalMs: 1000,
    readFile: (path) => readFile(path, 'utf8'),
    local: {
      // Loaded on demand: the emulator and the local state machine runner are heavy and only --local needs them.
      run: async (...args) => (await import('./local')).localRunner.run(...args),
      sandboxKeyPolicy: async (...args) => (await import('./local')).localRunner.sandboxKeyPolicy(...args),
    },
    onInterrupt: interruptHandlers(),
  };
}

/**
 * Ctrl-C (SIGINT) and SIGTERM: the handlers registered, newest first (the emulator is stopped
 * before the command says what it stopped), then the process exits as a signal would (130, 143).
 */
export function interruptHandlers(proc: Pick<NodeJS.Process, 'on' | 'removeListener' | 'exit'> = process): CliContext['onInterrupt'] {
  const handlers: (() => void)[] = [];
  const listener = (signal: NodeJS.Signals) => {
    for (const handler of [...handlers].reverse()) {
      try {
        handler();
      } catch {
        // keep going: the others must run
      }
    }
    proc.exit(signal === 'SIGINT' ? 130 : 143);
  };
  return (handler) => {
    if (handlers.length === 0) {
      proc.on('SIGINT', listener);
      proc.on('SIGTERM', listener);
    }
    handlers.push(handler);
    return () => {
      const i = handlers.lastIndexOf(handler);
      if (i >= 0) handlers.splice(i, 1);
      if (handlers.length === 0) {
        proc.removeListener('SIGINT', listener);
        proc.removeListener('SIGTERM', listener);
      }
    };
  };
}
