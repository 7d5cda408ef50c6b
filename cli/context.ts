/**
 * What a command needs from the outside world, injected: AWS clients, where to write, time, files,
 * the local runner and Ctrl-C. `defaultContext()` is the real one; tests build their own.
 */
import { readFile } from 'node:fs/promises';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { KMSClient } from '@aws-sdk/client-kms';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { ExecutionResult, StateProgress } from './execution';
import { processOutput, type Output } from './output';

export interface ClientOptions {
  region?: string;
  profile?: string;
}

export interface Clients {
  sfn(options: ClientOptions): SFNClient;
  cloudFormation(options: ClientOptions): CloudFormationClient;
  kms(options: ClientOptions): KMSClient;
}

export interface LocalRunOptions {
  onState(p: StateProgress): void;
  /** Progress of the set-up (emulator, organization), for people. */
  onNote(text: string): void;
  verbose: boolean;
  onInterrupt: CliContext['onInterrupt'];
}

/** Runs a workflow in this process against the emulator (cli/local.ts). */
export interface LocalRunner {
  run(workflow: string, input: Record<string, unknown>, options: LocalRunOptions): Promise<ExecutionResult>;
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
