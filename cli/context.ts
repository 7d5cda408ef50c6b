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
}

/** An execution this one started (states:startExecution); locally it ran to completion. */
export interface ChildExecution {
  workflow: string;
  executionArn: string;
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
}

/** Runs a workflow in this process against the emulator (cli/local.ts). */
export interface LocalRunner {
  run(workflow: string, input: Record<string, unknown>, options: LocalRunOptions): Promise<LocalExecutionResult>;
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
    },
    onInterrupt: (handler) => {
      // A listener replaces Node's default exit on the signal: clean up, then exit as a signal would.
      const listener = (signal: NodeJS.Signals) => {
        handler();
        process.exit(signal === 'SIGINT' ? 130 : 143);
      };
      process.once('SIGINT', listener);
      process.once('SIGTERM', listener);
      return () => {
        process.removeListener('SIGINT', listener);
        process.removeListener('SIGTERM', listener);
      };
    },
  };
}
