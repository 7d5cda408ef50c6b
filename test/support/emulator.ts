/** One emulator for a test file: started before its tests, stopped (by pid) after them. */
import { startEmulator, type Emulator } from '../../emulator/index';

export function emulatorForFile(): Emulator {
  let started: Emulator | undefined;
  beforeAll(async () => {
    started = await startEmulator();
  }, 30_000);
  afterAll(async () => started?.stop());
  const current = (): Emulator => {
    if (!started) throw new Error('the emulator is not running (used outside a test?)');
    return started;
  };
  return {
    get endpoint() {
      return current().endpoint;
    },
    get port() {
      return current().port;
    },
    get pid() {
      return current().pid;
    },
    reset: () => current().reset(),
    setFaults: (rules) => current().setFaults(rules),
    clearFaults: () => current().clearFaults(),
    calls: () => current().calls(),
    clearCalls: () => current().clearCalls(),
    stop: () => current().stop(),
  };
}

/**
 * A KMS DryRun answered "would have succeeded" (DryRunOperationException, HTTP 412): the call was
 * checked and nothing changed. The diagnosis and the sweep ask it before any grant is created.
 */
export const isDryRunAnswer = (call: { action: string; status: number }): boolean => call.action === 'CreateGrant' && call.status === 412;
