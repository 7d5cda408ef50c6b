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
    feedGrants: (feed) => current().feedGrants(feed),
    feedNodegroupHealth: (feed) => current().feedNodegroupHealth(feed),
    stop: () => current().stop(),
  };
}

/**
 * A request with DryRun set (KMS CreateGrant, EC2 calls): it changes nothing, whatever it was
 * answered (would succeed: 412, refused, throttled). The diagnosis and the sweep ask KMS so before
 * any grant is created. The emulator's call log marks such requests.
 */
export const isDryRunAnswer = (call: { dryRun?: true }): boolean => call.dryRun === true;
